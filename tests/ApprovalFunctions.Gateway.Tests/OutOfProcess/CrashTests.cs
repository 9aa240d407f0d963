using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using ApprovalFunctions.Gateway.Tests.Support;
using ApprovalFunctions.Tests.Shared;
using Xunit.Abstractions;

namespace ApprovalFunctions.Gateway.Tests.OutOfProcess;

/// <summary>
/// Kills the gateway process with SIGKILL at random moments while agents submit and approvers decide, restarts it on the
/// same state, lets clients retry as real ones do (same idempotency keys), and checks the guarantees: no acknowledged
/// action lost, every action finished as its policy says, none released twice, every audit chain intact.
/// Runs: APPROVALS_CRASH_RUNS (default 6); seed: APPROVALS_CRASH_SEED.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int ActionsPerRun = 24;

    private static readonly string[] Kinds = ["read", "delete", "write", "autoclose"];

    [Fact]
    public async Task Sigkill_AtRandomPoints_LosesNothingReleasesOnceAndKeepsEveryChain()
    {
        int runs = int.Parse(Environment.GetEnvironmentVariable("APPROVALS_CRASH_RUNS") ?? "6", CultureInfo.InvariantCulture);
        int seed = int.Parse(Environment.GetEnvironmentVariable("APPROVALS_CRASH_SEED") ?? "20261121", CultureInfo.InvariantCulture);
        var totals = new Totals();
        for (int run = 0; run < runs; run++)
        {
            await RunOnceAsync(run, new Random(seed + run), totals);
        }

        output.WriteLine($"{runs} run(s), seed {seed}: {totals.Kills} kill(s), {totals.Actions} action(s), {totals.CutOff} action(s) whose requests a kill cut off, " +
            $"{totals.Released} released once each, {totals.Redelivered} webhook redelivery(ies) with the same receipt, {totals.Records} audit record(s) verified");
    }

    private static async Task RunOnceAsync(int run, Random random, Totals totals)
    {
        using var temp = new TempDirectory();
        string policies = temp.Write("policies/policies.yaml", ProcessTestPolicies.Yaml);
        string state = Path.Combine(temp.Path, "state");
        Directory.CreateDirectory(state);
        await using LocalHttpServer executor = await LocalHttpServer.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 204;
            return Task.CompletedTask;
        });
        string[] settings = [$"--Release:WebhookUrl={new Uri(executor.BaseAddress, "execute")}", "--Gateway:RunnerConcurrency=4", "--Release:InitialBackoff=00:00:00.200"];
        var acknowledged = new ConcurrentDictionary<int, string>();
        var contradictions = new ConcurrentQueue<string>();
        int kills = random.Next(1, 3);

        for (int life = 0; ; life++)
        {
            await using GatewayProcess gateway = await GatewayProcess.StartAsync(state, policies, settings);
            if (life < kills)
            {
                Task<int> drive = DriveAsync(gateway, run, acknowledged, contradictions);
                await Task.Delay(random.Next(50, 1500));
                await gateway.KillAsync();
                totals.Kills++;
                totals.CutOff += await drive;
                continue;
            }

            Assert.Equal(0, await DriveAsync(gateway, run, acknowledged, contradictions));
            Assert.Empty(contradictions);
            await AssertOutcomesAsync(gateway, executor, acknowledged, totals);
            await gateway.StopAsync();
            break;
        }

        // A clean stop drains the audit outbox: every record is in the region's store, none only in the database.
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(state, "gateway.db")};Pooling=False"))
        {
            await db.OpenAsync();
            await using var command = db.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM audit_outbox";
            Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
        }

        CliRunner.Result verify = await CliRunner.RunAsync("audit", "verify", Path.Combine(state, "audit"));
        Assert.True(verify.ExitCode == 0, $"run {run}: audit verify failed:\n{verify.Out}{verify.Error}");
        string[] released = Directory.GetFiles(Path.Combine(state, "audit"), "*-released.json", SearchOption.AllDirectories);
        Assert.Equal(released.Length, released.Select(Path.GetDirectoryName).Distinct().Count());
        totals.Records += Directory.GetFiles(Path.Combine(state, "audit"), "*.json", SearchOption.AllDirectories).Length;
    }

    /// <summary>
    /// What agents and approvers do, idempotently, so it can be repeated after a crash: submit every action with its
    /// idempotency key and approve every production write. Requests cut off by the kill are left for the next life; returns
    /// how many actions had one.
    /// </summary>
    private static async Task<int> DriveAsync(GatewayProcess gateway, int run, ConcurrentDictionary<int, string> acknowledged, ConcurrentQueue<string> contradictions)
    {
        int cutOff = 0;
        HttpClient agent = gateway.WithKey("test-etl-key");
        HttpClient ann, bob;
        try
        {
            ann = await gateway.PersonAsync("ann");
            bob = await gateway.PersonAsync("bob");
        }
        catch (Exception ex) when (IsKilled(ex))
        {
            return ActionsPerRun;
        }

        await Parallel.ForEachAsync(Enumerable.Range(0, ActionsPerRun), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, cancellationToken) =>
        {
            try
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "/api/actions?wait=PT0S") { Content = Support.Api.Json(Body(i)) };
                request.Headers.Add("Idempotency-Key", $"crash-{run}-{i}");
                HttpResponseMessage response = await agent.SendAsync(request, cancellationToken);
                JsonObject body = await response.Body();
                if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Accepted))
                {
                    contradictions.Enqueue($"action {i}: submit answered {(int)response.StatusCode} {body.ToJsonString()}");
                    return;
                }

                string id = body.Str("id");
                string first = acknowledged.GetOrAdd(i, id);
                if (first != id)
                {
                    contradictions.Enqueue($"action {i}: acknowledged as {first}, later as {id}");
                }

                if (Kinds[i % Kinds.Length] == "write")
                {
                    // Approvers act once they are asked, as they would on a notification.
                    JsonObject status = await agent.StatusWhenAsync(id, s => s.Str("status") is "pendingApproval" or "completed");
                    foreach (HttpClient approver in (HttpClient[])[ann, bob])
                    {
                        HttpResponseMessage decided = await approver.DecideAsync(id, body.Str("actionDigest"));
                        JsonObject answer = await decided.Body();
                        // A repeat is a duplicate (200); once released the action is no longer pending (409).
                        bool fine = decided.StatusCode == HttpStatusCode.OK
                            || (decided.StatusCode == HttpStatusCode.Conflict && answer.Str("reason") == "notPending" && status.Str("status") == "completed");
                        if (!fine)
                        {
                            contradictions.Enqueue($"action {i}: decision answered {(int)decided.StatusCode} {answer.ToJsonString()} when {status.Str("status")}");
                        }
                    }
                }
            }
            catch (Exception ex) when (IsKilled(ex))
            {
                Interlocked.Increment(ref cutOff);
            }
        });
        return cutOff;
    }

    /// <summary>What a client sees when the process dies under it: a reset or refused connection, or a cut-off body.</summary>
    private static bool IsKilled(Exception ex) => ex is HttpRequestException or TaskCanceledException or IOException or System.Text.Json.JsonException;

    private static async Task AssertOutcomesAsync(GatewayProcess gateway, LocalHttpServer executor, ConcurrentDictionary<int, string> acknowledged, Totals totals)
    {
        HttpClient agent = gateway.WithKey("test-etl-key");
        var releasedIds = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < ActionsPerRun; i++)
        {
            string id = acknowledged[i];
            JsonObject status = await agent.StatusWhenAsync(id, s => s.Str("status") == "completed");
            string expected = Kinds[i % Kinds.Length] == "delete" ? "denied" : "released";
            Assert.True(expected == status.Str("outcome"), $"action {i} ({id}) ended {status.ToJsonString()}, expected {expected}");
            if (expected == "released")
            {
                releasedIds.Add(id);
            }
        }

        totals.Actions += ActionsPerRun;
        totals.Released += releasedIds.Count;

        // The executor's feed lists each released action exactly once.
        var feed = new List<JsonNode>();
        HttpClient executorClient = gateway.WithKey("test-executor-key");
        for (long after = 0; ;)
        {
            JsonObject page = await (await executorClient.GetAsync($"/api/releases?after={after}&limit=500")).Body();
            JsonArray items = page["items"]!.AsArray();
            if (items.Count == 0)
            {
                break;
            }

            feed.AddRange(items.Select(item => item!));
            after = page["next"]!.GetValue<long>();
        }

        Assert.Equal(releasedIds.Order(StringComparer.Ordinal), feed.Select(r => r.Str("actionId")).Order(StringComparer.Ordinal));

        // The webhook may deliver twice across a crash (at least once), but always the one receipt.
        Dictionary<string, string> receipts = feed.ToDictionary(r => r.Str("actionId"), r => r.Str("receipt.jws"), StringComparer.Ordinal);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && !releasedIds.IsSubsetOf(executor.Requests.Select(r => r.Headers["Idempotency-Key"])))
        {
            await Task.Delay(50);
        }

        RecordedRequest[] deliveries = [.. executor.Requests];
        Assert.Subset(deliveries.Select(r => r.Headers["Idempotency-Key"]).ToHashSet(StringComparer.Ordinal), releasedIds);
        foreach (RecordedRequest delivery in deliveries)
        {
            string id = delivery.Headers["Idempotency-Key"];
            Assert.Equal(receipts[id], JsonNode.Parse(delivery.Body).Str("receipt.jws"));
        }

        totals.Redelivered += deliveries.Length - deliveries.Select(d => d.Headers["Idempotency-Key"]).Distinct().Count();
    }

    private static string Body(int i) => Kinds[i % Kinds.Length] switch
    {
        "read" => Support.Api.Read.Replace("Look up a contact", $"Look up contact {i}", StringComparison.Ordinal),
        "delete" => Support.Api.Delete.Replace("Drop the table", $"Drop table {i}", StringComparison.Ordinal),
        "write" => Support.Api.ProdWrite.Replace("Fix 12 rows", $"Fix {i} rows", StringComparison.Ordinal),
        _ => ProcessTestPolicies.AutoClose.Replace("ticket 9", $"ticket {i}", StringComparison.Ordinal),
    };

    private sealed class Totals
    {
        public int Kills { get; set; }

        public int Actions { get; set; }

        public int CutOff { get; set; }

        public int Released { get; set; }

        public int Redelivered { get; set; }

        public int Records { get; set; }
    }
}
