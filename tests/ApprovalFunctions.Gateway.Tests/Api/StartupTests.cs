using ApprovalFunctions.Gateway.Tests.Support;

namespace ApprovalFunctions.Gateway.Tests.Api;

public class StartupTests
{
    [Theory]
    [InlineData("Gateway:PolicyPath", "/nonexistent/policies", "Gateway:PolicyPath '/nonexistent/policies' does not exist")]
    [InlineData("Gateway:DefaultRegion", "mars", "Gateway:DefaultRegion 'mars' has no audit store in Audit:Regions")]
    [InlineData("Gateway:RunnerConcurrency", "0", "Gateway:RunnerConcurrency must be between 1 and 256")]
    [InlineData("Receipts:Algorithm", "HS256", "Receipts:Algorithm must be ES256 or RS256")]
    [InlineData("Release:WebhookUrl", "ftp://x", "Release:WebhookUrl must be an absolute https URL")]
    [InlineData("Release:WebhookUrl", "http://executor.contoso.com/execute", "Release:WebhookUrl must be an absolute https URL (plain http only on a loopback address)")]
    [InlineData("Identity:ApiKeys:0:Id", "agent-x", "Identity:ApiKeys:0:KeyHash must be sha256:<64 hex digits>")]
    [InlineData("Masking:Classifications:pii:0", "secrets..x", "Masking:Classifications:pii")]
    [InlineData("Microsoft365:Outlook:Mailbox", "approvals@contoso.com", "Microsoft365:TenantId must be the tenant's id")]
    [InlineData("Microsoft365:Teams:WorkflowsWebhookUrl", "http://example.com/hook", "Microsoft365:Teams:WorkflowsWebhookUrl must be an absolute https URL")]
    public async Task Start_InvalidSetting_FailsNamingTheSetting(string key, string value, string message)
    {
        using var temp = new TempDirectory();

        var args = new List<string> { "--state-dir", temp.Path, "--urls", "http://127.0.0.1:0", $"--{key}={value}" };
        if (key != "Gateway:PolicyPath")
        {
            args.AddRange(["--policies", RepoPaths.Policies]);
        }

        CliRunner.Result result = await CliRunner.RunAsync([.. args]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("approvals: the gateway cannot start:", result.Error, StringComparison.Ordinal);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_BrokenPolicySet_StopsTheGatewayWithFileLineColumn()
    {
        using var temp = new TempDirectory();
        string policy = temp.Write("p.yaml", "policy: p\nrules:\n  - { id: a, if: { field: nope, equals: 1 }, then: { effect: allow } }\n");

        CliRunner.Result result = await CliRunner.RunAsync("--policies", policy, "--state-dir", Path.Combine(temp.Path, "state"), "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("the gateway cannot start", result.Error, StringComparison.Ordinal);
        Assert.Contains("p.yaml:3:27: unknown field \"nope\"", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ReceiptKeyOnAnotherCurve_RefusedNamingTheSetting()
    {
        using var temp = new TempDirectory();
        using var p384 = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        string key = temp.Write("receipt.pem", p384.ExportPkcs8PrivateKeyPem());

        CliRunner.Result result = await CliRunner.RunAsync("--state-dir", Path.Combine(temp.Path, "state"), "--urls", "http://127.0.0.1:0",
            "--policies", RepoPaths.Policies, $"--Receipts:KeyPath={key}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Receipts:KeyPath", result.Error, StringComparison.Ordinal);
        Assert.Contains("ES256 receipts need the P-256 curve", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://*:0")]
    [InlineData("http://127.0.0.1:0;http://[::]:0")]
    public async Task Start_DevModeOnANonLoopbackAddress_RefusedNamingTheSetting(string urls)
    {
        using var temp = new TempDirectory();

        CliRunner.Result result = await CliRunner.RunAsync("--dev", "--urls", urls, "--state-dir", temp.Path, "--policies", RepoPaths.Policies);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("development mode (--dev, Gateway:DevMode) listens on loopback addresses only", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevEndpoints_InTheDevelopmentEnvironmentWithoutDevMode_DoNotExist()
    {
        // WebApplicationFactory runs in the Development environment: that alone must not switch development mode on.
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["Gateway:DevMode"] = "false" });
        using HttpClient client = gateway.CreateClient();

        using HttpResponseMessage identities = await client.GetAsync(new Uri("/dev/identities", UriKind.Relative));
        using HttpResponseMessage token = await client.PostAsync(new Uri("/dev/token", UriKind.Relative),
            new StringContent("""{"id":"ann"}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, identities.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, token.StatusCode);
    }

    [Fact]
    public async Task Start_UnknownBareArgument_IsRefused()
    {
        CliRunner.Result result = await CliRunner.RunAsync("frobnicate");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown command or argument 'frobnicate'", result.Error, StringComparison.Ordinal);
    }
}
