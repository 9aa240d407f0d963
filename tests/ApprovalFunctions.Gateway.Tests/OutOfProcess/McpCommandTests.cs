using System.Text.Json.Nodes;
using ApprovalFunctions.Gateway.Tests.Support;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalFunctions.Gateway.Tests.OutOfProcess;

/// <summary><c>approvals mcp</c> as an MCP host runs it: a child process on stdio, talking to a running gateway over HTTP.</summary>
public sealed class McpCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _policies;
    private readonly string _state;

    public McpCommandTests()
    {
        _policies = _temp.Write("policies/policies.yaml", ProcessTestPolicies.Yaml);
        _state = Path.Combine(_temp.Path, "state");
        Directory.CreateDirectory(_state);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Mcp_OverStdio_ListsTheToolsAndRequestsApprovalFromTheGateway()
    {
        await using GatewayProcess gateway = await GatewayProcess.StartAsync(_state, _policies);
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "approvals",
            Command = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
            Arguments = [Path.Combine(AppContext.BaseDirectory, "approvals.dll"), "mcp", "--url", gateway.BaseAddress.ToString(), "--api-key", "test-etl-key"],
        });
        await using McpClient client = await McpClient.CreateAsync(transport);

        IList<McpClientTool> tools = await client.ListToolsAsync();
        CallToolResult read = await client.CallToolAsync("request_approval", new Dictionary<string, object?>
        {
            ["type"] = "crm.contact.read", ["summary"] = "Look up a contact", ["data"] = new Dictionary<string, object?> { ["sourceRegion"] = "westeurope" }, ["waitSeconds"] = 10,
        });

        Assert.Equal(["cancel_approval", "get_approval", "request_approval"], tools.Select(t => t.Name).Order());
        Assert.Equal("released", JsonNode.Parse(read.StructuredContent!.Value.GetRawText())!["outcome"]!.GetValue<string>());
    }

    /// <summary>
    /// <c>approvals mcp proxy</c> in front of an upstream MCP server started as its command (here the approvals MCP
    /// server itself, as another agent would run any server): the upstream's tools listed unchanged, a call gated.
    /// </summary>
    [Fact]
    public async Task Proxy_OverStdio_ListsTheUpstreamsToolsAndGatesTheirCalls()
    {
        await using GatewayProcess gateway = await GatewayProcess.StartAsync(_state, _policies);
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        string dll = Path.Combine(AppContext.BaseDirectory, "approvals.dll");
        string url = gateway.BaseAddress.ToString();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "proxy",
            Command = dotnet,
            Arguments = [dll, "mcp", "proxy", "--url", url, "--api-key", "test-etl-key", "--name", "approvals", "--wait", "0",
                "--state", Path.Combine(_temp.Path, "proxy.json"), "--", dotnet, dll, "mcp", "--url", url, "--api-key", "test-other-key"],
        });
        await using McpClient client = await McpClient.CreateAsync(transport);

        IList<McpClientTool> tools = await client.ListToolsAsync();
        CallToolResult gated = await client.CallToolAsync("get_approval", new Dictionary<string, object?> { ["id"] = "act_000000000000000000000000" });

        Assert.Equal(["cancel_approval", "get_approval", "request_approval"], tools.Select(t => t.Name).Order());
        // mcp.approvals.get_approval falls to the policy's default (approval by the security on-call): it waits, nothing ran.
        Assert.Equal("awaitingApproval", JsonNode.Parse(gated.StructuredContent!.Value.GetRawText())!["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("not a url", "--api-key", "k", "--url")]
    [InlineData("http://localhost:7071", "--api-key", null, "exactly one of --api-key and --token")]
    public async Task Mcp_BadOptions_Exit2NamingThem(string url, string option, string? value, string named)
    {
        CliRunner.Result result = await CliRunner.RunAsync(value is null ? ["mcp", "--url", url] : ["mcp", "--url", url, option, value]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(named, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bad Name", "--name must be")]
    [InlineData("files", "give the upstream server")]
    public async Task Proxy_BadOptions_Exit2NamingThem(string name, string named)
    {
        CliRunner.Result result = await CliRunner.RunAsync("mcp", "proxy", "--url", "http://localhost:7071", "--api-key", "k", "--name", name);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(named, result.Error, StringComparison.Ordinal);
    }
}
