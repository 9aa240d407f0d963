using System.Net;
using System.Text.Json.Nodes;
using ApprovalFunctions.Gateway.Tests.Support;
using ApprovalFunctions.Tests.Shared;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalFunctions.Gateway.Tests.Mcp;

/// <summary>The gateway's <c>/mcp</c> (Streamable HTTP), driven by the SDK's client: the agent is the authenticated caller.</summary>
public sealed class McpEndpointTests : IDisposable
{
    private readonly GatewayFactory _gateway = new();

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Mcp_OverHttp_RequestsApprovalAsTheAuthenticatedAgent()
    {
        await using McpClient client = await ConnectAsync(_gateway.Agent());

        IList<McpClientTool> tools = await client.ListToolsAsync();
        CallToolResult read = await client.CallToolAsync("request_approval", new Dictionary<string, object?>
        {
            ["type"] = "crm.contact.read", ["summary"] = "Look up a contact", ["data"] = new Dictionary<string, object?> { ["sourceRegion"] = "westeurope" }, ["waitSeconds"] = 5,
        });
        JsonObject released = JsonNode.Parse(read.StructuredContent!.Value.GetRawText())!.AsObject();
        JsonObject status = await (await _gateway.Agent().GetAsync($"/api/actions/{released["id"]}")).Body();

        Assert.Equal(["cancel_approval", "get_approval", "request_approval"], tools.Select(t => t.Name).Order());
        Assert.Equal("released", released["outcome"]!.GetValue<string>());
        Assert.Equal("etl-agent", status.Str("agent.id")); // the API key's agent, not anyone the arguments name
    }

    [Fact]
    public async Task Mcp_OverHttp_AnotherAgentCannotSeeTheAction()
    {
        await using McpClient mine = await ConnectAsync(_gateway.Agent());
        await using McpClient theirs = await ConnectAsync(_gateway.Agent("test-other-key"));
        CallToolResult requested = await mine.CallToolAsync("request_approval", new Dictionary<string, object?>
        {
            ["type"] = "db.write.rows", ["summary"] = "Fix rows", ["data"] = new Dictionary<string, object?> { ["sourceRegion"] = "westeurope" },
        });
        string id = JsonNode.Parse(requested.StructuredContent!.Value.GetRawText())!["id"]!.GetValue<string>();

        CallToolResult peek = await theirs.CallToolAsync("get_approval", new Dictionary<string, object?> { ["id"] = id });

        Assert.True(peek.IsError);
    }

    [Fact]
    public async Task Mcp_WithoutCredentials_Is401()
    {
        using HttpClient anonymous = _gateway.Anonymous();

        HttpResponseMessage response = await anonymous.PostAsync("/mcp", new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>The proxy with an HTTP upstream (as <c>--upstream-url</c> runs it): here the gateway's own <c>/mcp</c>.</summary>
    [Fact]
    public async Task Proxy_InFrontOfAnHttpUpstream_ListsItsToolsAndGatesTheirCalls()
    {
        await using McpClient upstream = await ConnectAsync(_gateway.Agent());
        var approvals = new ApprovalFunctions.Client.ApprovalsClient(_gateway.CreateClient(), new ApprovalFunctions.Client.ApprovalsClientOptions
        {
            BaseUrl = _gateway.Server.BaseAddress, ApiKey = "test-etl-key", ReceiptIssuer = "http://gateway.test", Time = _gateway.Clock,
        });
        var gate = new ApprovalFunctions.Client.ApprovalGate(approvals);
        await using var mcp = new InProcessMcp();
        McpClient client = await mcp.ConnectAsync(transport => ApprovalFunctions.Mcp.McpProxy.CreateAsync(transport, upstream, gate,
            new ApprovalFunctions.Mcp.McpProxyOptions { ServerName = "approvals", Wait = TimeSpan.Zero, Region = "westeurope" }));

        IList<McpClientTool> tools = await client.ListToolsAsync();
        CallToolResult gated = await client.CallToolAsync("get_approval", new Dictionary<string, object?> { ["id"] = "act_000000000000000000000000" });

        Assert.Equal(["cancel_approval", "get_approval", "request_approval"], tools.Select(t => t.Name).Order());
        // mcp.approvals.get_approval: the test policies' default asks security on-call; nothing reached upstream yet.
        Assert.Equal("awaitingApproval", JsonNode.Parse(gated.StructuredContent!.Value.GetRawText())!["status"]!.GetValue<string>());
    }

    private static Task<McpClient> ConnectAsync(HttpClient http) => McpClient.CreateAsync(new HttpClientTransport(
        new HttpClientTransportOptions { Endpoint = new Uri(http.BaseAddress!, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp }, http, null, ownsHttpClient: true));
}
