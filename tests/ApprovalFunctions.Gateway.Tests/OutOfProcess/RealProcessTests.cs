using System.Net;
using System.Text.Json.Nodes;
using ApprovalFunctions.Gateway.Tests.Support;

namespace ApprovalFunctions.Gateway.Tests.OutOfProcess;

/// <summary>The gateway as operators run it: a separate process, real HTTP, the real clock, restarts.</summary>
public sealed class RealProcessTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _policies;
    private readonly string _state;

    public RealProcessTests()
    {
        _policies = _temp.Write("policies/policies.yaml", ProcessTestPolicies.Yaml);
        _state = Path.Combine(_temp.Path, "state");
        Directory.CreateDirectory(_state);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Gateway_OverRealHttp_RunsAllowDenyApproveAndTimeout()
    {
        await using GatewayProcess gateway = await GatewayProcess.StartAsync(_state, _policies);
        HttpClient agent = gateway.WithKey("test-etl-key");

        (HttpResponseMessage allowed, JsonObject read) = await agent.SubmitAsync(Support.Api.Read);
        (_, JsonObject denied) = await agent.SubmitAsync(Support.Api.Delete);
        (HttpResponseMessage pending, JsonObject write) = await agent.SubmitAsync(Support.Api.ProdWrite, wait: "PT1S");
        (_, JsonObject close) = await agent.SubmitAsync(ProcessTestPolicies.Close, wait: "PT0S");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("released", read.Str("outcome"));
        Assert.Equal("denied", denied.Str("outcome"));
        Assert.Equal(HttpStatusCode.Accepted, pending.StatusCode);

        string id = write.Str("id"), digest = write.Str("actionDigest");
        HttpClient ann = await gateway.PersonAsync("ann");
        string inbox = await ann.GetStringAsync("/api/approvals");
        Assert.Contains(id, inbox, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", inbox, StringComparison.Ordinal);

        HttpResponseMessage self = await (await gateway.PersonAsync("rita")).DecideAsync(id, digest);
        HttpResponseMessage first = await ann.DecideAsync(id, digest);
        HttpResponseMessage second = await (await gateway.PersonAsync("bob")).DecideAsync(id, digest);
        JsonObject done = await agent.StatusWhenAsync(id, s => s.Str("status") == "completed");
        JsonObject timedOut = await agent.StatusWhenAsync(close.Str("id"), s => s.Str("status") == "completed");

        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        Assert.Equal("selfApproval", (await self.Body()).Str("reason"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("released", done.Str("outcome"));
        Assert.Equal("expired", timedOut.Str("outcome"));
        JsonObject feed = await (await gateway.WithKey("test-executor-key").GetAsync("/api/releases")).Body();
        Assert.Equal([read.Str("id"), id], feed["items"]!.AsArray().Select(r => r.Str("actionId")));

        await gateway.KillAsync();
        CliRunner.Result verify = await CliRunner.RunAsync("audit", "verify", Path.Combine(_state, "audit"));
        Assert.Equal(0, verify.ExitCode);
        Assert.StartsWith("OK: 4 action(s)", verify.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_Restarted_ResumesPendingApprovalsAndDueTimers()
    {
        string writeId, closeId, digest;
        await using (GatewayProcess before = await GatewayProcess.StartAsync(_state, _policies))
        {
            HttpClient agent = before.WithKey("test-etl-key");
            (_, JsonObject write) = await agent.SubmitAsync(Support.Api.ProdWrite, wait: "PT1S");
            (_, JsonObject close) = await agent.SubmitAsync(ProcessTestPolicies.Close, wait: "PT0S");
            (writeId, closeId, digest) = (write.Str("id"), close.Str("id"), write.Str("actionDigest"));
            Assert.Equal(HttpStatusCode.OK, (await (await before.PersonAsync("ann")).DecideAsync(writeId, digest)).StatusCode);
        }

        // The close action's two-second timer falls due while nothing runs.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await using GatewayProcess after = await GatewayProcess.StartAsync(_state, _policies);
        HttpClient again = after.WithKey("test-etl-key");

        JsonObject timedOut = await again.StatusWhenAsync(closeId, s => s.Str("status") == "completed");
        JsonObject stillPending = await (await again.GetAsync($"/api/actions/{writeId}")).Body();
        HttpResponseMessage secondApproval = await (await after.PersonAsync("bob")).DecideAsync(writeId, digest);
        JsonObject released = await again.StatusWhenAsync(writeId, s => s.Str("status") == "completed");

        Assert.Equal("expired", timedOut.Str("outcome"));
        Assert.Equal("pendingApproval", stillPending.Str("status"));
        Assert.Equal(HttpStatusCode.OK, secondApproval.StatusCode);
        Assert.Equal("released", released.Str("outcome"));
    }

    [Fact]
    public async Task Gateway_SecondInstanceOnTheSameState_IsRefused()
    {
        await using GatewayProcess first = await GatewayProcess.StartAsync(_state, _policies);

        CliRunner.Result second = await CliRunner.RunAsync("--state-dir", _state, "--policies", _policies, "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, second.ExitCode);
        Assert.Contains("Another gateway is already running with the state directory", second.Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await first.Anonymous().GetAsync("/healthz")).StatusCode);
    }
}
