using System.IO.Pipelines;
using System.Text.Json.Nodes;
using ApprovalFunctions.Client;
using ApprovalFunctions.Core.Receipts;
using ApprovalFunctions.Mcp;
using BenchmarkDotNet.Attributes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalFunctions.Benchmarks;

/// <summary>
/// What the MCP proxy adds to an allowed call on its own side: an upstream tool called directly, and through the proxy
/// (policy answer and receipt check stubbed at the client, so the host's HTTP round trip — measured by the load driver —
/// is not in it). Both over in-process stream pairs, as stdio would carry them.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[Config(typeof(Percentiles))]
public class McpProxyBenchmarks
{
    private static readonly Dictionary<string, object?> Arguments = new() { ["email"] = "dana@contoso.com", ["fields"] = new[] { "name", "orders" } };
    private readonly List<IAsyncDisposable> _open = [];
    private McpClient _direct = null!;
    private McpClient _proxied = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        McpServerTool read = McpServerTool.Create((string email, string[] fields) => $"{email}: {string.Join(",", fields)}", new() { Name = "contact.read" });
        _direct = await ConnectAsync(t => McpServer.Create(t, new McpServerOptions { ToolCollection = [read] }));
        McpClient upstream = await ConnectAsync(t => McpServer.Create(t, new McpServerOptions { ToolCollection = [read] }));
        var gate = new ApprovalGate(new AllowingApprovals(), new InMemoryGateState());
        _proxied = await ConnectAsync(t => McpProxy.CreateAsync(t, upstream, gate, new McpProxyOptions { ServerName = "crm", Wait = TimeSpan.Zero }).GetAwaiter().GetResult());
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        foreach (IAsyncDisposable open in Enumerable.Reverse(_open))
        {
            await open.DisposeAsync();
        }
    }

    [Benchmark(Baseline = true)]
    public Task<CallToolResult> Direct() => _direct.CallToolAsync("contact.read", Arguments).AsTask();

    [Benchmark]
    public Task<CallToolResult> ThroughTheProxy() => _proxied.CallToolAsync("contact.read", Arguments).AsTask();

    /// <summary>Adds the 95th percentile (BenchmarkDotNet has no 99th column).</summary>
    private sealed class Percentiles : BenchmarkDotNet.Configs.ManualConfig
    {
        public Percentiles() => AddColumn(BenchmarkDotNet.Columns.StatisticColumn.P95);
    }

    private async Task<McpClient> ConnectAsync(Func<ITransport, McpServer> create)
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        McpServer server = create(new StreamServerTransport(toServer.Reader.AsStream(), toClient.Writer.AsStream()));
        _ = server.RunAsync();
        McpClient client = await McpClient.CreateAsync(new StreamClientTransport(toServer.Writer.AsStream(), toClient.Reader.AsStream()));
        _open.Add(server);
        _open.Add(client);
        return client;
    }

    /// <summary>A host that allows every action at once and whose receipts always verify (each call gets a new one).</summary>
    private sealed class AllowingApprovals : ApprovalsClient
    {
        private long _receipts;

        public override Task<ApprovalStatus> SubmitAsync(string actionJson, TimeSpan? wait = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ApprovalStatus(new JsonObject
            {
                ["id"] = "act_bench", ["status"] = "completed", ["outcome"] = "released", ["finished"] = true,
                ["receipt"] = new JsonObject { ["id"] = "rcpt_" + Interlocked.Increment(ref _receipts), ["jws"] = "ey.bench" },
            }));

        public override Task<ReceiptVerification> VerifyReceiptAsync(ApprovalStatus status, string actionJson, IReceiptUseRegistry uses, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ReceiptVerification(null, null, "valid"));
    }
}
