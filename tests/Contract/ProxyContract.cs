using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Client;
using ApprovalFunctions.Mcp;
using ApprovalFunctions.Tests.Shared;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalFunctions.Tests.Contract;

/// <summary>
/// The MCP proxy in front of an upstream MCP server written for the tests, which records every call it receives,
/// against every host: allowed passes once, denied never reaches upstream, approved runs exactly once with the approved
/// arguments even across a proxy restart, changed arguments need a new approval, rejected and expired never run.
/// </summary>
public abstract class ProxyContract(ContractHostBase host) : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _upstreamCalls = new();
    private readonly string _state = Path.Combine(Path.GetTempPath(), $"approvals-proxy-{Guid.NewGuid():N}.json");
    private readonly InProcessMcp _mcp = new();
    private McpClient _upstream = null!;

    public async Task InitializeAsync()
    {
        McpServerTool[] tools =
        [
            McpServerTool.Create((string email) => Record($"contact.read {email}", "Dana, 3 open orders"), new() { Name = "contact.read", Title = "Read a contact" }),
            McpServerTool.Create((string table) => Record($"table.delete {table}", "dropped"), new() { Name = "table.delete" }),
            McpServerTool.Create((string table, int rows) => Record($"write_rows {table} {rows}", $"wrote {rows} rows to {table}"), new() { Name = "write_rows", Title = "Write rows" }),
            McpServerTool.Create((string queue) => Record($"drain.quick {queue}", "drained"), new() { Name = "drain.quick" }),
        ];
        _upstream = await _mcp.ConnectAsync(transport => McpServer.Create(transport, new McpServerOptions { ToolCollection = [.. tools] }));
    }

    public async Task DisposeAsync()
    {
        await _mcp.DisposeAsync();
        File.Delete(_state);
    }

    [Fact]
    public async Task Tools_AreTheUpstreamsUnchanged()
    {
        McpClient proxy = await ProxyAsync();

        IList<McpClientTool> listed = await proxy.ListToolsAsync();
        IList<McpClientTool> upstream = await _upstream.ListToolsAsync();

        Assert.Equal(upstream.Select(t => t.Name).Order(), listed.Select(t => t.Name).Order());
        Assert.Equal(upstream.Single(t => t.Name == "write_rows").ProtocolTool.InputSchema.GetRawText(),
            listed.Single(t => t.Name == "write_rows").ProtocolTool.InputSchema.GetRawText());
    }

    [Fact]
    public async Task Allowed_GoesUpstreamOnceAndItsResultComesBack()
    {
        McpClient proxy = await ProxyAsync();

        CallToolResult result = await proxy.CallToolAsync("contact.read", new Dictionary<string, object?> { ["email"] = "dana@contoso.com" });

        Assert.NotEqual(true, result.IsError);
        Assert.Contains("Dana, 3 open orders", Text(result), StringComparison.Ordinal);
        Assert.Equal(["contact.read dana@contoso.com"], _upstreamCalls);
    }

    [Fact]
    public async Task Denied_IsAToolErrorWithTheReasons_AndNeverReachesUpstream()
    {
        McpClient proxy = await ProxyAsync();

        CallToolResult result = await proxy.CallToolAsync("table.delete", new Dictionary<string, object?> { ["table"] = "orders" });

        Assert.True(result.IsError);
        Assert.Contains("denied", Text(result), StringComparison.Ordinal);
        Assert.Empty(_upstreamCalls);
    }

    [Fact]
    public async Task Approved_RunsExactlyOnceWithTheApprovedArguments_EvenAcrossAProxyRestart()
    {
        McpClient proxy = await ProxyAsync();
        Dictionary<string, object?> args = new() { ["table"] = "orders", ["rows"] = 12 };
        string id = await PendingAsync(proxy, "write_rows", args);
        await ApproveAsync(id);
        await proxy.DisposeAsync();

        McpClient restarted = await ProxyAsync(); // the proxy restarted on its state file
        CallToolResult ran = await restarted.CallToolAsync("write_rows", args);
        CallToolResult again = await restarted.CallToolAsync("write_rows", args);

        Assert.Contains("wrote 12 rows to orders", Text(ran), StringComparison.Ordinal);
        Assert.Equal(["write_rows orders 12"], _upstreamCalls);
        Assert.Equal("awaitingApproval", Structured(again)["status"]!.GetValue<string>());   // a third identical call asks anew
        Assert.NotEqual(id, Structured(again)["actionId"]!.GetValue<string>());
        Assert.Single(_upstreamCalls);
    }

    [Fact]
    public async Task Pending_WaitsUpToTheWaitWithProgressNotifications()
    {
        McpClient proxy = await ProxyAsync(TimeSpan.FromSeconds(3));
        var progress = new List<ModelContextProtocol.ProgressNotificationValue>();

        CallToolResult result = await proxy.CallToolAsync("write_rows", new Dictionary<string, object?> { ["table"] = "ledger", ["rows"] = 5 },
            new Progress(progress));

        Assert.Equal("awaitingApproval", Structured(result)["status"]!.GetValue<string>());
        Assert.NotEmpty(progress);
        Assert.Contains("waiting for a decision", progress[0].Message, StringComparison.Ordinal);
        Assert.Empty(_upstreamCalls);
    }

    [Fact]
    public async Task ChangedArguments_NeverRideOnAnApproval()
    {
        McpClient proxy = await ProxyAsync();
        string id = await PendingAsync(proxy, "write_rows", new() { ["table"] = "invoices", ["rows"] = 21 });
        await ApproveAsync(id);

        CallToolResult other = await proxy.CallToolAsync("write_rows", new Dictionary<string, object?> { ["table"] = "invoices", ["rows"] = 22 });

        Assert.Equal("awaitingApproval", Structured(other)["status"]!.GetValue<string>());
        Assert.Empty(_upstreamCalls);
    }

    [Fact]
    public async Task Rejected_NeverRuns()
    {
        McpClient proxy = await ProxyAsync();
        Dictionary<string, object?> args = new() { ["table"] = "payments", ["rows"] = 3 };
        string id = await PendingAsync(proxy, "write_rows", args);
        JsonObject pending = await host.StatusWhenAsync(id, s => s["status"]!.GetValue<string>() == "pendingApproval");
        await host.DecideAsync(Who.Bob, id, pending["actionDigest"]!.GetValue<string>(), "reject", "no");
        await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());

        CallToolResult result = await proxy.CallToolAsync("write_rows", args);

        Assert.True(result.IsError);
        Assert.Equal("rejected", Structured(result)["outcome"]!.GetValue<string>());
        Assert.Empty(_upstreamCalls);
    }

    [Fact]
    public async Task Expired_NeverRuns()
    {
        McpClient proxy = await ProxyAsync();
        Dictionary<string, object?> args = new() { ["queue"] = "jobs" };
        string id = await PendingAsync(proxy, "drain.quick", args);
        await host.LetTimePassAsync(TimeSpan.FromSeconds(3));
        await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());

        CallToolResult result = await proxy.CallToolAsync("drain.quick", args);

        Assert.Equal("expired", Structured(result)["outcome"]!.GetValue<string>());
        Assert.Empty(_upstreamCalls);
    }

    /// <summary>Collects progress synchronously (Progress&lt;T&gt; would post to the thread pool and race the assertion).</summary>
    private sealed class Progress(List<ModelContextProtocol.ProgressNotificationValue> seen) : IProgress<ModelContextProtocol.ProgressNotificationValue>
    {
        public void Report(ModelContextProtocol.ProgressNotificationValue value)
        {
            lock (seen)
            {
                seen.Add(value);
            }
        }
    }

    private string Record(string call, string result)
    {
        _upstreamCalls.Enqueue(call);
        return result;
    }

    private async Task<string> PendingAsync(McpClient proxy, string tool, Dictionary<string, object?> args)
    {
        CallToolResult first = await proxy.CallToolAsync(tool, args);
        Assert.NotEqual(true, first.IsError);
        Assert.Equal("awaitingApproval", Structured(first)["status"]!.GetValue<string>());
        string id = Structured(first)["actionId"]!.GetValue<string>();
        await host.StatusWhenAsync(id, s => s["status"]!.GetValue<string>() == "pendingApproval");
        return id;
    }

    private async Task ApproveAsync(string id)
    {
        JsonObject pending = await host.StatusWhenAsync(id, s => s["status"]!.GetValue<string>() == "pendingApproval");
        await host.DecideAsync(Who.Ann, id, pending["actionDigest"]!.GetValue<string>());
        await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());
    }

    /// <summary>A proxy (as <c>approvals mcp proxy</c> runs it) over the shared state file, and a client of it.</summary>
    private async Task<McpClient> ProxyAsync(TimeSpan? wait = null)
    {
        var gate = new ApprovalGate(host.ClientFor(), new FileGateState(_state));
        var options = new McpProxyOptions { ServerName = "records", Wait = wait ?? TimeSpan.Zero, Region = ContractWorld.Region };
        return await _mcp.ConnectAsync(transport => McpProxy.CreateAsync(transport, _upstream, gate, options));
    }

    private static JsonObject Structured(CallToolResult result) =>
        result.StructuredContent is JsonElement structured ? JsonNode.Parse(structured.GetRawText())!.AsObject() : throw new Xunit.Sdk.XunitException("no structured content: " + Text(result));

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));
}
