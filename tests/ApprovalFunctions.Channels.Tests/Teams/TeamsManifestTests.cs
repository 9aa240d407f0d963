using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Text.Json.Nodes;

namespace ApprovalFunctions.Channels.Tests.Teams;

/// <summary>
/// The Teams app package: teams/package.mjs fills the manifest, validates it against the Teams manifest JSON schema of
/// its version (the one Microsoft publishes in @microsoft/app-manifest, run with ajv) and zips it with its icons.
/// </summary>
public sealed class TeamsManifestTests : IDisposable
{
    private static readonly string Teams = typeof(TeamsManifestTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "TeamsDirectory").Value!;
    private readonly string _temp = Directory.CreateTempSubdirectory("approvals-teams-").FullName;

    private static readonly Dictionary<string, string> Values = new()
    {
        ["TEAMS_APP_ID"] = "6f0b8c7e-1a2b-4c3d-9e8f-0a1b2c3d4e5f",
        ["BOT_APP_ID"] = "0b7f3c1e-2d4a-4e59-8a61-5c3d2e1f0a9b",
        ["API_CLIENT_ID"] = "6a0e3b53-30f8-4b45-9e53-8f2b8a7c0d11",
        ["API_AUDIENCE"] = "api://approvals",
        ["APPROVALS_HOST"] = "func-approvals-x.azurewebsites.net",
    };

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void Package_TheManifestFilledIn_ValidatesAgainstItsSchemaAndZipsWithItsIcons()
    {
        string zip = Path.Combine(_temp, "app.zip");

        (int code, string output) = Node("--out", zip);

        Assert.True(code == 0, output);
        Assert.Contains("valid against the Teams manifest schema v1.19", output, StringComparison.Ordinal);
        using ZipArchive archive = ZipFile.OpenRead(zip);
        Assert.Equal(["color.png", "manifest.json", "outline.png"], archive.Entries.Select(e => e.FullName).Order());
        JsonNode manifest = JsonNode.Parse(new StreamReader(archive.GetEntry("manifest.json")!.Open()).ReadToEnd())!;
        Assert.Equal(Values["BOT_APP_ID"], manifest["bots"]![0]!["botId"]!.GetValue<string>());
        Assert.Equal(Values["API_CLIENT_ID"], manifest["webApplicationInfo"]!["id"]!.GetValue<string>());
        Assert.Equal([Values["APPROVALS_HOST"]], manifest["validDomains"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal((192, 192), PngSize(archive.GetEntry("color.png")!));
        Assert.Equal((32, 32), PngSize(archive.GetEntry("outline.png")!));
    }

    [Fact]
    public void Package_ABotIdThatIsNotAGuid_IsRefusedNamingTheField()
    {
        (int code, string output) = Node(new Dictionary<string, string> { ["BOT_APP_ID"] = "my-bot" }, "--check");

        Assert.Equal(1, code);
        Assert.Contains("/bots/0/botId", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Package_APropertyTheSchemaDoesNotKnow_IsRefused()
    {
        string manifest = Path.Combine(_temp, "manifest.json");
        JsonObject edited = JsonNode.Parse(File.ReadAllText(Path.Combine(Teams, "manifest.json")))!.AsObject();
        edited["approvalsEndpoint"] = "https://example.test";
        File.WriteAllText(manifest, edited.ToJsonString());

        (int code, string output) = Node("--check", "--manifest", manifest);

        Assert.Equal(1, code);
        Assert.Contains("additional properties (approvalsEndpoint)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Package_ASettingMissing_IsRefusedNamingIt()
    {
        var start = Start("--check");
        start.Environment.Remove("APPROVALS_HOST");

        (int code, string output) = Run(start);

        Assert.Equal(1, code);
        Assert.Contains("APPROVALS_HOST is not set", output, StringComparison.Ordinal);
    }

    private static (int Code, string Output) Node(params string[] arguments) => Node([], arguments);

    private static (int Code, string Output) Node(Dictionary<string, string> overrides, params string[] arguments)
    {
        ProcessStartInfo start = Start(arguments);
        foreach ((string name, string value) in overrides)
        {
            start.Environment[name] = value;
        }

        return Run(start);
    }

    private static ProcessStartInfo Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("node", ["package.mjs", .. arguments])
        {
            WorkingDirectory = Teams,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach ((string name, string value) in Values)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    private static (int Code, string Output) Run(ProcessStartInfo start)
    {
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }

    private static (int Width, int Height) PngSize(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        byte[] header = new byte[24];
        stream.ReadExactly(header);
        Assert.Equal([0x89, 0x50, 0x4e, 0x47], header[..4]);
        return (BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(20)));
    }
}
