using System.Collections;
using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.Microsoft365.Notifications;
using ApprovalFunctions.Microsoft365.Portal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ApprovalFunctions.FunctionApp.Tests.Support;
using Azure.Storage.Blobs;

namespace ApprovalFunctions.FunctionApp.Tests.Deployment;

/// <summary>
/// The deployment agrees with the code: every Bicep file compiles and lints clean with the Bicep CLI from NuGet, and
/// the app settings the template and local.settings.sample.json give are the ones the app binds, with values its
/// start-up validation accepts.
/// </summary>
public sealed partial class DeploymentContractTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly string Root = Metadata("RepositoryRoot");
    private static readonly string Infra = Path.Combine(Root, "infra");

    /// <summary>The options sections the app binds (ServiceRegistration.AddApprovalFunctions).</summary>
    private static readonly Dictionary<string, Type> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        [ApprovalsOptions.Section] = typeof(ApprovalsOptions),
        [Microsoft365Options.Section] = typeof(Microsoft365Options),
        [PortalOptions.Section] = typeof(PortalOptions),
        ["Masking"] = typeof(MaskingOptions),
        [ApprovalFunctions.Channels.Slack.SlackOptions.Section] = typeof(ApprovalFunctions.Channels.Slack.SlackOptions),
        [ApprovalFunctions.Channels.Teams.TeamsBotOptions.Section] = typeof(ApprovalFunctions.Channels.Teams.TeamsBotOptions),
    };

    /// <summary>Settings the Functions host and the platform read, not the app's options.</summary>
    private static readonly HashSet<string> HostSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "AzureWebJobsStorage", "FUNCTIONS_WORKER_RUNTIME", "TASKHUB_NAME", "AZURE_CLIENT_ID",
        "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    };

    public static TheoryData<string> BicepFiles() =>
        [.. Directory.EnumerateFiles(Infra, "*.bicep", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Infra, f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public void Bicep_File_BuildsAndLintsWithoutAnyDiagnostic(string file)
    {
        (int build, string buildOutput) = Bicep("build", file, "--stdout");
        (int lint, string lintOutput) = Bicep("lint", file);

        Assert.True(build == 0 && !buildOutput.Contains("Warning", StringComparison.Ordinal) && !buildOutput.Contains("Error", StringComparison.Ordinal), buildOutput);
        Assert.True(lint == 0 && lintOutput.Length == 0, lintOutput);
    }

    [Fact]
    public void BicepParam_WithTheAzdVariables_Builds()
    {
        (int code, string output) = Bicep("build-params", "main.bicepparam", "--stdout");

        Assert.True(code == 0, output);
        JsonObject parameters = (JsonObject)JsonNode.Parse(JsonNode.Parse(output)!["parametersJson"]!.GetValue<string>())!["parameters"]!;
        Assert.Equal(["westeurope", "northeurope"], parameters["auditRegions"]!["value"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(["11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"],
            parameters["executorPrincipalIds"]!["value"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public void Template_EveryAppSetting_IsBoundByTheApp()
    {
        string template = CompiledTemplate();
        string[] settings = [.. SettingNames().Matches(template).Select(m => m.Value).Distinct(StringComparer.Ordinal)];

        Assert.Contains("Approvals__AuditContainers__", settings); // per region, from auditRegions
        Assert.Contains("Approvals__PublicBaseUrl", settings);
        Assert.All(settings, s => Assert.True(Binds(s), $"The template sets {s}, which no option of the app reads."));
        Assert.DoesNotContain("DURABLE_TASK_SCHEDULER_CONNECTION_STRING", template, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_EverySettingTheValidationRequires_IsSet()
    {
        string template = CompiledTemplate();

        foreach (string required in new[]
        {
            "Approvals__PublicBaseUrl", "Approvals__AuditContainers__", "Approvals__StateContainerUrl", "Approvals__ServiceBusNamespace",
            "Approvals__ReceiptSigningKeyPem", "Approvals__Issuers__0__MetadataAddress", "Microsoft365__TenantId", "Microsoft365__ClientId",
            "Microsoft365__Directory", "AzureWebJobsStorage__blobServiceUri", "AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__tableServiceUri",
        })
        {
            Assert.Contains(required, template, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Sample_EverySetting_IsBoundOrTheHosts()
    {
        foreach ((string name, _) in SampleValues())
        {
            Assert.True(HostSettings.Contains(name) || Binds(name), $"local.settings.sample.json sets {name}, which nothing reads.");
        }
    }

    [Fact]
    public async Task Sample_WithItsPlaceholdersFilledOnAzurite_StartsTheAppsServicesAndCreatesTheContainers()
    {
        // The sample points at Azurite's default port; this run's Azurite listens elsewhere.
        Dictionary<string, string?> values = FilledSample().ToDictionary(v => v.Key, v => v.Value?.Replace(
            "http://127.0.0.1:10000/devstoreaccount1", azurite.BlobEndpoint.ToString().TrimEnd('/'), StringComparison.Ordinal));
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddApprovalFunctions(configuration); // throws, naming every bad setting, if the sample would not start
        await using ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        foreach (IHostedService hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        Assert.True(provider.GetRequiredService<ApprovalsOptions>().UseDevelopmentStorage);
        var blobs = new BlobServiceClient(azurite.ConnectionString);
        foreach (string container in new[] { "audit-westeurope", "audit-eastus", "approvals-state" })
        {
            Assert.True((await blobs.GetBlobContainerClient(container).ExistsAsync()).Value, $"{container} was not created");
        }

        // Every class that declares functions can be built from these services, as the worker builds them per call.
        Type[] functionClasses = [.. typeof(ServiceRegistration).Assembly.GetTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<Microsoft.Azure.Functions.Worker.FunctionAttribute>() is not null) && !t.IsAbstract)];
        Assert.NotEmpty(functionClasses);
        Assert.All(functionClasses, t => Assert.NotNull(ActivatorUtilities.CreateInstance(provider, t)));
    }

    [Fact]
    public void Sample_AnEmptyOptionalSetting_IsRefusedByTheValidation()
    {
        Dictionary<string, string?> values = FilledSample();
        values["Microsoft365:CardTokenKey"] = "";
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        var refused = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddApprovalFunctions(configuration));

        Assert.Contains("Microsoft365:CardTokenKey", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostJson_DurableOnTheAzureStorageProvider_ThroughAzureWebJobsStorage()
    {
        JsonNode durable = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "host.json")))!["extensions"]!["durableTask"]!;

        Assert.Equal("AzureStorage", durable["storageProvider"]!["type"]!.GetValue<string>());
        Assert.Equal("AzureWebJobsStorage", durable["storageProvider"]!["connectionName"]!.GetValue<string>());
        Assert.Equal("%TASKHUB_NAME%", durable["hubName"]!.GetValue<string>());
        Assert.True(TimeSpan.Parse(durable["storageProvider"]!["maxQueuePollingInterval"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            <= TimeSpan.FromSeconds(10), "Durable on Flex Consumption wants queue polling of at most 10 s.");
    }

    [Fact]
    public void Template_FlexConsumption_KeepsOneAlwaysReadyInstanceForDurable()
    {
        string template = CompiledTemplate();

        Assert.Contains("\"FC1\"", template, StringComparison.Ordinal);
        Assert.Contains("\"alwaysReady\":[{\"name\":\"durable\",\"instanceCount\":1}]", SpacesOut().Replace(template, ""), StringComparison.Ordinal);
    }

    /// <summary>Whether <paramref name="setting"/> (<c>Section__Property__…</c>) names something an options class binds.</summary>
    private static bool Binds(string setting)
    {
        string[] parts = setting.Split("__");
        if (!Sections.TryGetValue(parts[0], out Type? type))
        {
            return HostSettings.Contains(setting) || setting.StartsWith("AzureWebJobsStorage__", StringComparison.Ordinal);
        }

        for (int i = 1; i < parts.Length; i++)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                type = type.GetGenericArguments()[1];
                continue; // the segment is a key (empty when the template builds it per region)
            }

            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
            {
                if (!int.TryParse(parts[i], out _))
                {
                    return false;
                }

                type = type.GetGenericArguments()[0];
                continue;
            }

            PropertyInfo? property = type.GetProperty(parts[i], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite)
            {
                return false;
            }

            type = property.PropertyType;
        }

        return type == typeof(string) || type.IsValueType || Nullable.GetUnderlyingType(type) is not null
            || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) && parts[^1].Length == 0)
            || !typeof(IEnumerable).IsAssignableFrom(type);
    }

    /// <summary>A valid value for a sample placeholder (<c>&lt;…&gt;</c>); other values are kept as they are.</summary>
    private static string Fill(string name, string value)
    {
        if (!value.Contains('<', StringComparison.Ordinal))
        {
            return value;
        }

        if (name.EndsWith("ReceiptSigningKeyPem", StringComparison.Ordinal))
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return key.ExportPkcs8PrivateKeyPem();
        }

        if (name.EndsWith("KeyHash", StringComparison.Ordinal))
        {
            return "sha256:" + new string('a', 64);
        }

        return Placeholder().Replace(value, m => m.Value.Contains("namespace", StringComparison.Ordinal) ? "approvals-dev" : "3f7c2a9e-5b1d-4c8e-9a6f-0d2b4e6a8c1f");
    }

    /// <summary>The sample's values as configuration keys, with every placeholder filled.</summary>
    private static Dictionary<string, string?> FilledSample() =>
        SampleValues().ToDictionary(v => v.Key.Replace("__", ":", StringComparison.Ordinal), v => (string?)Fill(v.Key, v.Value));

    private static IEnumerable<KeyValuePair<string, string>> SampleValues() =>
        ((JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "local.settings.sample.json")))!["Values"]!)
            .Select(v => new KeyValuePair<string, string>(v.Key, v.Value!.GetValue<string>()));

    private static string CompiledTemplate()
    {
        (int code, string output) = Bicep("build", "main.bicep", "--stdout");
        Assert.True(code == 0, output);
        return output;
    }

    private static (int ExitCode, string Output) Bicep(params string[] arguments)
    {
        string bicep = Metadata("BicepPath");
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(bicep) & UnixFileMode.UserExecute) == 0)
        {
            // NuGet does not keep the executable bit of the package's tools/bicep.
            File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        var start = new ProcessStartInfo(bicep, arguments)
        {
            WorkingDirectory = Infra,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["APPROVALS_API_CLIENT_ID"] = "6a0e3b53-30f8-4b45-9e53-8f2b8a7c0d11";
        start.Environment["APPROVALS_API_AUDIENCE"] = "api://approvals";
        start.Environment["APPROVALS_AUDIT_REGIONS"] = "westeurope,northeurope";
        start.Environment["APPROVALS_EXECUTOR_PRINCIPAL_IDS"] = "11111111-1111-1111-1111-111111111111, 22222222-2222-2222-2222-222222222222,";
        start.Environment["BICEP_TRACING_ENABLED"] = "false";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, arguments[0] == "lint" ? (stdout.Result + stderr).Trim() : stdout.Result + stderr);
    }

    private static string Metadata(string key) =>
        typeof(DeploymentContractTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    [GeneratedRegex(@"\b(?:Approvals|Microsoft365|Portal|Masking|Slack|TeamsBot|AzureWebJobsStorage)__[A-Za-z0-9_]*")]
    private static partial Regex SettingNames();

    [GeneratedRegex(@"\s+")]
    private static partial Regex SpacesOut();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Placeholder();
}
