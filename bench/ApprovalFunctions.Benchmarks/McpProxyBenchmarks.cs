using System.Text.Json.Nodes;
using ApprovalFunctions.Client;
using ApprovalFunctions.Core.Receipts;
using ApprovalFunctions.Mcp;
using ApprovalFunctions.Tests.Shared;
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
    private readonly InProcessMcp _mcp = new();
    private McpClient _direct = null!;
    private McpClient _proxied = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        McpServerTool read = McpServerTool.Create((string email, string[] fields) => $"{email}: {string.Join(",", fields)}", new() { Name = "contact.read" });
        _direct = await _mcp.ConnectAsync(t => McpServer.Create(t, new McpServerOptions { ToolCollection = [read] }));
        McpClient upstream = await _mcp.ConnectAsync(t => McpServer.Create(t, new McpServerOptions { ToolCollection = [read] }));
        var gate = new ApprovalGate(new AllowingApprovals(), new InMemoryGateState());
        _proxied = await _mcp.ConnectAsync(t => McpProxy.CreateAsync(t, upstream, gate, new McpProxyOptions { ServerName = "crm", Wait = TimeSpan.Zero }));
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _mcp.DisposeAsync();

    [Benchmark(Baseline = true)]
    public Task<CallToolResult> Direct() => _direct.CallToolAsync("contact.read", Arguments).AsTask();

    [Benchmark]
    public Task<CallToolResult> ThroughTheProxy() => _proxied.CallToolAsync("contact.read", Arguments).AsTask();

    /// <summary>Adds the 95th and 99th percentiles.</summary>
    private sealed class Percentiles : BenchmarkDotNet.Configs.ManualConfig
    {
        public Percentiles() => AddColumn(BenchmarkDotNet.Columns.StatisticColumn.P95, new P99());
    }

    /// <summary>The 99th percentile of the measured iterations (BenchmarkDotNet's columns stop at P95).</summary>
    private sealed class P99 : BenchmarkDotNet.Columns.IColumn
    {
        public string Id => nameof(P99);

        public string ColumnName => "P99";

        public bool AlwaysShow => true;

        public BenchmarkDotNet.Columns.ColumnCategory Category => BenchmarkDotNet.Columns.ColumnCategory.Statistics;

        public int PriorityInCategory => 10;

        public bool IsNumeric => true;

        public BenchmarkDotNet.Columns.UnitType UnitType => BenchmarkDotNet.Columns.UnitType.Time;

        public string Legend => "99th percentile of the iterations";

        public string GetValue(BenchmarkDotNet.Reports.Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) =>
            summary[benchmarkCase]?.ResultStatistics is { } statistics
                ? $"{statistics.Percentiles.Percentile(99) / 1000:0.00} us"
                : "-";

        public string GetValue(BenchmarkDotNet.Reports.Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase, BenchmarkDotNet.Reports.SummaryStyle style) =>
            GetValue(summary, benchmarkCase);

        public bool IsDefault(BenchmarkDotNet.Reports.Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(BenchmarkDotNet.Reports.Summary summary) => true;
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
