using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace ApprovalFunctions.LoadDriver;

/// <summary>The measured scenarios. Each prints what it measured; none asserts (targets are compared in the summary lines).</summary>
internal static class Scenarios
{
    /// <summary>
    /// Agents submit allowed actions with <c>?wait=PT5S</c> and get the released result with its receipt in the response:
    /// the whole workflow per request (parse, policy, audit records, receipt, release) over real HTTP.
    /// </summary>
    public static async Task AllowAsync(LaunchedGateway gateway, int concurrency, TimeSpan warmup, TimeSpan duration, TextWriter output)
    {
        using HttpClient client = Workload.Client(gateway.BaseAddress, concurrency);
        long sequence = 0;
        async Task<(int Completed, int Failed, List<double> Latencies)> Drive(TimeSpan length, bool record)
        {
            var stop = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, concurrency).Select(async _ =>
            {
                var latencies = new List<double>(capacity: 4096);
                int completed = 0, failed = 0;
                while (stop.Elapsed < length)
                {
                    long i = Interlocked.Increment(ref sequence);
                    long started = Stopwatch.GetTimestamp();
                    using HttpResponseMessage response = await client.PostAsync("api/actions?wait=PT5S", Workload.Read(i));
                    string body = await response.Content.ReadAsStringAsync();
                    double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (response.StatusCode == HttpStatusCode.OK && body.Contains("\"outcome\":\"released\"", StringComparison.Ordinal))
                    {
                        completed++;
                        if (record)
                        {
                            latencies.Add(ms);
                        }
                    }
                    else
                    {
                        failed++;
                    }
                }

                return (completed, failed, latencies);
            }).ToArray();
            var results = await Task.WhenAll(workers);
            return (results.Sum(r => r.completed), results.Sum(r => r.failed), results.SelectMany(r => r.latencies).ToList());
        }

        await Drive(warmup, record: false);
        var clock = Stopwatch.StartNew();
        (int done, int failed, List<double> latencies) = await Drive(duration, record: true);
        double seconds = clock.Elapsed.TotalSeconds;
        (long rss, long peak) = gateway.Memory();
        output.WriteLine($"allow path: {concurrency} concurrent agents, {seconds:F1} s measured after {warmup.TotalSeconds:F0} s warm-up");
        output.WriteLine($"  released {done:N0} ({done / seconds:N0} actions/s), failed {failed}");
        output.WriteLine($"  latency ms: {Percentiles.Describe(latencies)}");
        output.WriteLine($"  gateway memory: RSS {rss / 1048576.0:N0} MiB, peak {peak / 1048576.0:N0} MiB");
        // Audit records are durable in the database at release; their files follow from the outbox.
        var drain = Stopwatch.StartNew();
        long backlog = await CountAsync(gateway, "SELECT COUNT(*) FROM audit_outbox");
        await WaitForAsync(gateway, "SELECT COUNT(*) = 0 FROM audit_outbox", 1, TimeSpan.FromMinutes(10));
        output.WriteLine($"  audit files: {backlog:N0} record(s) still in the outbox when the load stopped, written {drain.Elapsed.TotalSeconds:F1} s later");
        output.WriteLine($"  target: >= 1,000 actions/s with p99 <= 20 ms -> {(done / seconds >= 1000 && Percentiles.Of(latencies, 0.99) <= 20 ? "met" : "NOT met")}");
    }

    /// <summary>Holds <paramref name="count"/> actions pending approval (two owners each) and reports the gateway's memory.</summary>
    public static async Task PendingAsync(LaunchedGateway gateway, int count, int concurrency, TextWriter output)
    {
        using HttpClient client = Workload.Client(gateway.BaseAddress, concurrency);
        var clock = Stopwatch.StartNew();
        long next = 0;
        int failed = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            for (long i = Interlocked.Increment(ref next); i <= count; i = Interlocked.Increment(ref next))
            {
                using HttpResponseMessage response = await client.PostAsync("api/actions?wait=PT0S", Workload.Write(i));
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }));
        double submitSeconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"pending: submitted {count:N0} in {submitSeconds:F1} s ({count / submitSeconds:N0}/s), {failed} failed");

        long waiting = await WaitForAsync(gateway, "SELECT COUNT(*) FROM actions WHERE status = 'pendingApproval' AND due_at > $soon", count, TimeSpan.FromMinutes(30));
        double settledSeconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"  {waiting:N0} waiting for approvers (evaluated, approvers resolved, notified, audited) after {settledSeconds:F1} s ({count / settledSeconds:N0}/s end to end)");
        await Task.Delay(TimeSpan.FromSeconds(10));
        (long rss, long peak) = gateway.Memory();
        long database = new DirectoryInfo(gateway.StateDirectory).EnumerateFiles("gateway.db*").Sum(f => f.Length);
        output.WriteLine($"  gateway memory holding them: RSS {rss / 1048576.0:N0} MiB (peak while processing {peak / 1048576.0:N0} MiB); database {database / 1048576.0:N0} MiB");
        output.WriteLine($"  target: 100,000 pending in <= 300 MB -> {(count >= 100_000 && rss <= 300L * 1000 * 1000 ? "met" : count < 100_000 ? "not measured at 100,000" : "NOT met")}");
    }

    /// <summary>Starts <paramref name="count"/> actions with a five-second timeout and reports how late each timer fired.</summary>
    public static async Task TimersAsync(LaunchedGateway gateway, int count, int concurrency, TextWriter output)
    {
        using HttpClient client = Workload.Client(gateway.BaseAddress, concurrency);
        long next = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            for (long i = Interlocked.Increment(ref next); i <= count; i = Interlocked.Increment(ref next))
            {
                using HttpResponseMessage response = await client.PostAsync("api/actions?wait=PT0S", Workload.Close(i));
                response.EnsureSuccessStatusCode();
            }
        }));
        await WaitForAsync(gateway, "SELECT COUNT(*) FROM actions WHERE finished = 1 AND status = 'completed'", count, TimeSpan.FromMinutes(10));

        var lateness = new List<double>();
        foreach (string file in Directory.EnumerateFiles(Path.Combine(gateway.StateDirectory, "audit"), "*-timed-out.json", SearchOption.AllDirectories))
        {
            using JsonDocument record = JsonDocument.Parse(File.ReadAllBytes(file));
            DateTimeOffset fired = DateTimeOffset.Parse(record.RootElement.GetProperty("time").GetString()!, CultureInfo.InvariantCulture);
            DateTimeOffset due = DateTimeOffset.Parse(record.RootElement.GetProperty("content").GetProperty("deadline").GetString()!, CultureInfo.InvariantCulture);
            lateness.Add((fired - due).TotalMilliseconds);
        }

        output.WriteLine($"timers: {lateness.Count:N0} of {count:N0} five-second deadlines fired; lateness ms: {Percentiles.Describe(lateness)}");
        output.WriteLine($"  target: within 1 s of due -> {(lateness.Count == count && lateness.Max() <= 1000 ? "met" : "NOT met")}");
    }

    private static async Task<long> CountAsync(LaunchedGateway gateway, string query)
    {
        var connection = new SqliteConnectionStringBuilder { DataSource = Path.Combine(gateway.StateDirectory, "gateway.db"), Mode = SqliteOpenMode.ReadOnly }.ToString();
        await using var db = new SqliteConnection(connection);
        await db.OpenAsync();
        await using SqliteCommand command = db.CreateCommand();
        command.CommandText = query;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> WaitForAsync(LaunchedGateway gateway, string countQuery, long target, TimeSpan timeout)
    {
        var connection = new SqliteConnectionStringBuilder { DataSource = Path.Combine(gateway.StateDirectory, "gateway.db"), Mode = SqliteOpenMode.ReadOnly }.ToString();
        long current = 0;
        for (var deadline = DateTime.UtcNow + timeout; DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            await using var db = new SqliteConnection(connection);
            await db.OpenAsync();
            await using SqliteCommand command = db.CreateCommand();
            command.CommandText = countQuery;
            command.Parameters.AddWithValue("$soon", DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds());
            current = (long)(await command.ExecuteScalarAsync())!;
            if (current >= target)
            {
                return current;
            }
        }

        return current;
    }
}

/// <summary>Percentiles of a sample (nearest rank).</summary>
internal static class Percentiles
{
    public static double Of(List<double> sample, double p)
    {
        if (sample.Count == 0)
        {
            return double.NaN;
        }

        List<double> sorted = [.. sample.Order()];
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    public static string Describe(List<double> sample) => sample.Count == 0
        ? "no samples"
        : string.Create(CultureInfo.InvariantCulture,
            $"p50 {Of(sample, 0.50):F1}, p90 {Of(sample, 0.90):F1}, p99 {Of(sample, 0.99):F1}, p99.9 {Of(sample, 0.999):F1}, max {sample.Max():F1} (n={sample.Count:N0})");
}
