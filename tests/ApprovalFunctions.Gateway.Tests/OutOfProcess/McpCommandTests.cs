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

    [Theory]
    [InlineData("not a url", "--api-key", "k", "--url")]
    [InlineData("http://localhost:7071", "--api-key", null, "exactly one of --api-key and --token")]
    public async Task Mcp_BadOptions_Exit2NamingThem(string url, string option, string? value, string named)
    {
        CliRunner.Result result = await CliRunner.RunAsync(value is null ? ["mcp", "--url", url] : ["mcp", "--url", url, option, value]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(named, result.Error, StringComparison.Ordinal);
    }
}
