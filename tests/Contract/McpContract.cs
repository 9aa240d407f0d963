using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Mcp;
using ApprovalFunctions.Tests.Shared;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalFunctions.Tests.Contract;

/// <summary>
/// The approvals MCP server (what <c>approvals mcp</c> runs over stdio) against every host, driven by the SDK's own
/// client over an in-process stream pair: the tools, their schemas, and each outcome.
/// </summary>
public abstract class McpContract(ContractHostBase host) : IAsyncLifetime
{
    private readonly InProcessMcp _mcp = new();
    private McpClient _client = null!;

    public async Task InitializeAsync() => _client = await _mcp.ConnectAsync(transport => ApprovalsMcpServer.Create(transport, host.ClientFor()));

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task Tools_AreTheThreeWithInputAndOutputSchemas()
    {
        IList<McpClientTool> tools = await _client.ListToolsAsync();

        Assert.Equal(["cancel_approval", "get_approval", "request_approval"], tools.Select(t => t.Name).Order());
        McpClientTool request = tools.Single(t => t.Name == "request_approval");
        JsonElement properties = request.ProtocolTool.InputSchema.GetProperty("properties");
        Assert.True(properties.TryGetProperty("type", out _) && properties.TryGetProperty("parameters", out _) && properties.TryGetProperty("waitSeconds", out _));
        Assert.Equal(JsonValueKind.Object, request.ProtocolTool.OutputSchema!.Value.ValueKind);
        Assert.False(string.IsNullOrWhiteSpace(request.Description));
    }

    [Fact]
    public async Task RequestApproval_AllowedAction_IsReleasedWithTheReceipt()
    {
        CallToolResult result = await CallAsync("request_approval", new() { ["type"] = "crm.contact.read", ["summary"] = "Look up a contact", ["data"] = Region(), ["waitSeconds"] = 30 });

        Assert.NotEqual(true, result.IsError);
        JsonObject document = Structured(result);
        Assert.Equal("released", document["outcome"]!.GetValue<string>());
        Assert.StartsWith("ey", document["receipt"]!["jws"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Approved", Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestApproval_NeedingPeople_SaysWhoIsAwaited_ThenGetAndCancelWork()
    {
        CallToolResult requested = await CallAsync("request_approval", new()
        {
            ["type"] = "db.write.rows", ["summary"] = "Fix 3 rows", ["data"] = Region(), ["parameters"] = new Dictionary<string, object?> { ["rows"] = 3 },
        });
        string id = Structured(requested)["id"]!.GetValue<string>();
        await host.StatusWhenAsync(id, s => s["status"]!.GetValue<string>() == "pendingApproval");

        JsonObject pending = Structured(await CallAsync("get_approval", new() { ["id"] = id }));
        await CallAsync("cancel_approval", new() { ["id"] = id, ["reason"] = "not needed" });

        Assert.Equal("pendingApproval", pending["status"]!.GetValue<string>());
        Assert.Contains(pending["awaiting"]!.AsArray(), a => a!.GetValue<string>() == "Ann Approver");
        Assert.EndsWith("/portal/review/" + id, pending["reviewUrl"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("cancelled", (await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>()))["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task RequestApproval_Denied_TellsTheModelNotToAct()
    {
        CallToolResult result = await CallAsync("request_approval", new() { ["type"] = "db.table.delete", ["summary"] = "Drop it", ["data"] = Region(), ["waitSeconds"] = 30 });

        Assert.Equal("denied", Structured(result)["outcome"]!.GetValue<string>());
        Assert.Contains("Do not act", Text(result), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"summary":"no type"}""", "type")]
    [InlineData("""{"type":"db.write.rows","summary":"s","waitSeconds":600}""", "waitSeconds")]
    public async Task RequestApproval_BadInput_IsAToolErrorNamingTheField(string arguments, string field)
    {
        Dictionary<string, object?> args = JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments)!;

        CallToolResult result = await CallAsync("request_approval", args);

        Assert.True(result.IsError);
        Assert.Contains(field, Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetApproval_UnknownId_IsAToolError()
    {
        CallToolResult result = await CallAsync("get_approval", new() { ["id"] = "act_000000000000000000000000" });

        Assert.True(result.IsError);
    }

    private Task<CallToolResult> CallAsync(string tool, Dictionary<string, object?> arguments) => _client.CallToolAsync(tool, arguments).AsTask();

    private static Dictionary<string, object?> Region() => new() { ["sourceRegion"] = ContractWorld.Region };

    private static JsonObject Structured(CallToolResult result) => JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!.AsObject();

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));
}
