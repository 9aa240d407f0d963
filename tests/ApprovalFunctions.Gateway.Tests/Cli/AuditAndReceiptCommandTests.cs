using System.Text.Json.Nodes;
using ApprovalFunctions.Gateway.Tests.Support;

namespace ApprovalFunctions.Gateway.Tests.Cli;

public sealed class AuditAndReceiptCommandTests : IDisposable
{
    private readonly GatewayFactory _gateway = new();
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        _gateway.Dispose();
        _temp.Dispose();
    }

    private string AuditDirectory => Path.Combine(_gateway.StateDirectory, "audit");

    private async Task<JsonObject> SubmitTwoAsync()
    {
        await _gateway.Agent().SubmitAsync(Support.Api.Delete);
        (_, JsonObject released) = await _gateway.Agent().SubmitAsync(Support.Api.Read);
        await _gateway.AuditFilesWrittenAsync();
        return released;
    }

    [Fact]
    public async Task Verify_IntactTrail_ExitsZero()
    {
        await SubmitTwoAsync();

        CliRunner.Result result = await CliRunner.RunAsync("audit", "verify", AuditDirectory);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("OK: 2 action(s), 7 record(s), 2 finished, checked against", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_EditedRecord_ListsTheProblemAndExitsOne()
    {
        await SubmitTwoAsync();
        string file = Directory.EnumerateFiles(AuditDirectory, "*-evaluated.json", SearchOption.AllDirectories).First();
        File.SetAttributes(file, FileAttributes.Normal);
        string original = File.ReadAllText(file);
        string edited = original.Contains("\"effect\":\"deny\"", StringComparison.Ordinal)
            ? original.Replace("\"effect\":\"deny\"", "\"effect\":\"allow\"", StringComparison.Ordinal)
            : original.Replace("\"effect\":\"allow\"", "\"effect\":\"deny\"", StringComparison.Ordinal);
        Assert.NotEqual(original, edited);
        File.WriteAllText(file, edited);

        CliRunner.Result result = await CliRunner.RunAsync("audit", "verify", AuditDirectory);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("HashMismatch", result.Out, StringComparison.Ordinal);
        Assert.Contains("1 problem(s)", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_DeletedFinalRecord_IsCaughtWithTheDatabase()
    {
        await SubmitTwoAsync();
        string file = Directory.EnumerateFiles(AuditDirectory, "*-completed.json", SearchOption.AllDirectories).First();
        File.SetAttributes(file, FileAttributes.Normal);
        File.Delete(file);

        CliRunner.Result result = await CliRunner.RunAsync("audit", "verify", AuditDirectory);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Truncated", result.Out, StringComparison.Ordinal);
        Assert.Contains("MissingTerminal", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Csv_WritesOneRowPerRecordWithHashes()
    {
        await SubmitTwoAsync();
        string output = Path.Combine(_temp.Path, "evidence.csv");

        CliRunner.Result result = await CliRunner.RunAsync("audit", "export", AuditDirectory, "--format", "csv", "--output", output);

        Assert.Equal(0, result.ExitCode);
        string[] lines = File.ReadAllLines(output);
        Assert.Equal("action_id,seq,type,time,status,region,action_digest,policy_hash,prev,hash,content", lines[0]);
        Assert.Equal(8, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Contains(",sha256:", l, StringComparison.Ordinal));
        Assert.Contains("exported 7 record(s)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_JsonLinesWithTimeWindow_FiltersByRecordTime()
    {
        await SubmitTwoAsync();

        CliRunner.Result all = await CliRunner.RunAsync("audit", "export", AuditDirectory, "--format", "jsonl");
        CliRunner.Result none = await CliRunner.RunAsync("audit", "export", AuditDirectory, "--format", "jsonl", "--from", "2026-11-22");

        Assert.Equal(7, all.Out.TrimEnd().Split('\n').Length);
        Assert.All(all.Out.TrimEnd().Split('\n'), line => Assert.StartsWith("{\"actionDigest\":", line, StringComparison.Ordinal));
        Assert.Empty(none.Out.Trim());
    }

    [Fact]
    public async Task Export_UnknownFormat_ExitsTwo() =>
        Assert.Equal(2, (await CliRunner.RunAsync("audit", "export", AuditDirectory, "--format", "xml")).ExitCode);

    [Fact]
    public async Task ReceiptVerify_ValidThenReused_ExitsZeroThenOne()
    {
        JsonObject released = await SubmitTwoAsync();
        string receipt = _temp.Write("receipt.jws", released.Str("receipt.jws"));
        string action = _temp.Write("action.json", Support.Api.Read);
        string keys = _temp.Write("keys.json", await _gateway.Anonymous().GetStringAsync("/api/receipts/keys"));
        string ledger = Path.Combine(_temp.Path, "used.txt");
        string[] common = ["receipt", "verify", "--receipt", receipt, "--action", action, "--keys", keys, "--issuer", "http://gateway.test", "--now", "2026-11-21T09:05:00Z", "--ledger", ledger];

        CliRunner.Result first = await CliRunner.RunAsync(common);
        CliRunner.Result second = await CliRunner.RunAsync(common);

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("\"valid\": true", first.Out, StringComparison.Ordinal);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("AlreadyUsed", second.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReceiptVerify_OtherActionOrExpired_ExitsOneWithTheReason()
    {
        JsonObject released = await SubmitTwoAsync();
        string receipt = _temp.Write("receipt.jws", released.Str("receipt.jws"));
        string other = _temp.Write("other.json", Support.Api.Read.Replace("Look up a contact", "Look up ALL contacts", StringComparison.Ordinal));
        string action = _temp.Write("action.json", Support.Api.Read);
        string keys = _temp.Write("keys.json", await _gateway.Anonymous().GetStringAsync("/api/receipts/keys"));

        CliRunner.Result mismatch = await CliRunner.RunAsync("receipt", "verify", "--receipt", receipt, "--action", other, "--keys", keys, "--issuer", "http://gateway.test", "--now", "2026-11-21T09:05:00Z");
        CliRunner.Result expired = await CliRunner.RunAsync("receipt", "verify", "--receipt", receipt, "--action", action, "--keys", keys, "--issuer", "http://gateway.test", "--now", "2026-11-21T10:00:00Z");

        Assert.Equal(1, mismatch.ExitCode);
        Assert.Contains("DigestMismatch", mismatch.Out, StringComparison.Ordinal);
        Assert.Equal(1, expired.ExitCode);
        Assert.Contains("Expired", expired.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysNew_PrintsAKeyAndAMatchingHash()
    {
        CliRunner.Result result = await CliRunner.RunAsync("keys", "new", "--id", "etl-agent", "--owner", "dana");

        Assert.Equal(0, result.ExitCode);
        string key = result.Out.Split('\n')[0].Split(":  ")[1].Trim();
        Assert.StartsWith("apk_", key, StringComparison.Ordinal);
        Assert.Contains(ApprovalFunctions.Api.Identity.ApiKeyRing.Hash(key), result.Out, StringComparison.Ordinal);
    }
}
