using System.Text.Json.Nodes;
using ApprovalFunctions.Api;
using ApprovalFunctions.Api.Http;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.FunctionApp.Http;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.AspNetCore.Http;
using ApprovalFunctions.FunctionApp.Tests.Support;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using static ApprovalFunctions.FunctionApp.Tests.Support.TestDirectory;

namespace ApprovalFunctions.FunctionApp.Tests.Orchestration;

/// <summary>
/// Outages of every dependency, injected through the real engine and lasting until the instance has been seen waiting
/// them out after two failed rounds of retries (<see cref="DurableApp.FastTiming"/>: 2 attempts 100 ms apart, then pauses
/// of 300–600 ms): every instance says what it waits for, and ends as it would have without the outage, with one release
/// and a valid receipt.
/// </summary>
public sealed class OutageTests : IAsyncLifetime
{
    /// <summary>Until the test ends it: the instance is seen waiting before the dependency comes back.</summary>
    private static readonly TimeSpan Indefinitely = TimeSpan.FromMinutes(10);
    private DurableApp _app = null!;

    public async Task InitializeAsync() => _app = await DurableApp.StartAsync(receiptLifetime: TimeSpan.FromSeconds(4));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Run_AuditStoreOut_WaitedOutSayingSoThenReleasedOnce()
    {
        _app.Faults.Outage(nameof(ApprovalActivities.WriteAudit), Indefinitely);
        ApprovalInput input = await _app.SubmitAsync(TestPolicies.Action("crm.read"));

        OutageStatus outage = await OutageAsync(input.ActionId, rounds: 2);   // two rounds of retries spent, still waiting
        JsonObject status = await StatusAsync(input.ActionId);
        _app.Faults.Recover(nameof(ApprovalActivities.WriteAudit));
        OrchestrationMetadata done = await _app.CompletionAsync(input.ActionId);

        Assert.Equal(nameof(ApprovalActivities.WriteAudit), outage.Activity);
        Assert.Contains("Injected outage", outage.Error, StringComparison.Ordinal);
        Assert.True(outage.RetryAt > outage.Since);
        Assert.Equal(nameof(ApprovalActivities.WriteAudit), status["waitingFor"]!["step"]!.GetValue<string>());  // the API says what it waits for
        Assert.True(status["waitingFor"]!["rounds"]!.GetValue<int>() >= 2);
        Assert.DoesNotContain("Injected outage", status.ToJsonString(), StringComparison.Ordinal);                 // but not the error
        Assert.Equal("released", done.ReadOutputAs<string>());
        Assert.Null(done.ReadCustomStatusAs<StatusSnapshot>()!.Outage);
        Assert.True(_app.Faults.Failures(nameof(ApprovalActivities.WriteAudit)) >= 2 * DurableApp.FastTiming.Attempts, "two rounds failed");
        Assert.Single(_app.Releases.Of(input.ActionId));
        AssertTrailVerifies(input.ActionId, ["received", "evaluated", "released", "completed"]);
    }

    [Theory]
    [InlineData(nameof(ApprovalActivities.ResolveApprovers))] // the directory
    [InlineData(nameof(ApprovalActivities.NotifyApprovers))]  // Graph and the delivery ledger
    [InlineData(nameof(ApprovalActivities.EvaluatePolicy))]
    public async Task Run_DependencyBeforeTheWaitOut_StillReachesTheApproversAndReleasesOnApproval(string activity)
    {
        _app.Faults.Outage(activity, Indefinitely);
        ApprovalInput input = await _app.SubmitAsync(TestPolicies.Action("db.write.rows"));

        Assert.Equal(activity, (await OutageAsync(input.ActionId, rounds: 2)).Activity);
        _app.Faults.Recover(activity);
        await _app.WaitForPendingAsync(input.ActionId);
        await NoOutageAsync(input.ActionId);   // once the dependency is back, the status stops saying the instance waits for it
        await _app.DecideAsync(input, Dan, ApprovalChoice.Approve);

        Assert.Equal("released", (await _app.CompletionAsync(input.ActionId)).ReadOutputAs<string>());
        Assert.Single(_app.Releases.Of(input.ActionId));
        AssertTrailVerifies(input.ActionId, ["received", "evaluated", "approvers-resolved", "notified", "decision", "released", "completed"]);
    }

    [Fact]
    public async Task Run_ServiceBusOutLongerThanTheReceiptLives_DispatchedOnceWithAFreshValidReceipt()
    {
        _app.Faults.Outage(nameof(ApprovalActivities.DispatchRelease), TimeSpan.FromSeconds(6)); // receipts live 4 s
        ApprovalInput input = await _app.SubmitAsync(TestPolicies.Action("crm.read"));

        OrchestrationMetadata done = await _app.CompletionAsync(input.ActionId);

        Assert.Equal("released", done.ReadOutputAs<string>());
        DispatchInput sent = Assert.Single(_app.Releases.Of(input.ActionId));
        Assert.True(_app.Faults.Calls(nameof(ApprovalActivities.IssueReceipt)) > 1, "the receipt was re-signed");
        Assert.True(sent.Receipt.ExpiresAt - _app.Releases.SentAt(sent.Receipt.ReceiptId) > TimeSpan.FromSeconds(1), "sent with life left");
        ProcessState state = DurableApp.FinalState(done);
        Assert.Equal(sent.Receipt.ReceiptId, state.ReceiptId);
        Assert.Equal(sent.Receipt.Jws, done.ReadCustomStatusAs<StatusSnapshot>()!.Receipt!.Jws);
        AssertTrailVerifies(input.ActionId, ["received", "evaluated", "released", "completed"]);
    }

    [Fact]
    public async Task Run_AuditConflict_IsAnAlarmNotRetried()
    {
        _app.Faults.Outage(nameof(ApprovalActivities.WriteAudit), TimeSpan.FromMinutes(5), () => new AuditConflictException("2026/12/03/act_x/000001-received.json"));
        ApprovalInput input = await _app.SubmitAsync(TestPolicies.Action("crm.read"));

        OrchestrationMetadata done = await _app.CompletionAsync(input.ActionId);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.Contains("different content", done.FailureDetails!.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(1, _app.Faults.Calls(nameof(ApprovalActivities.WriteAudit)));
        Assert.Empty(_app.Releases.Of(input.ActionId));
    }

    [Fact]
    public async Task Run_ReleaseRefusedForGood_EndsFailedWithoutRetrying()
    {
        _app.Faults.Outage(nameof(ApprovalActivities.DispatchRelease), TimeSpan.FromMinutes(5), () => new ReleaseRefusedException("too large for the queue"));
        ApprovalInput input = await _app.SubmitAsync(TestPolicies.Action("crm.read"));

        OrchestrationMetadata done = await _app.CompletionAsync(input.ActionId);

        Assert.Equal("failed", done.ReadOutputAs<string>());
        Assert.Equal(1, _app.Faults.Calls(nameof(ApprovalActivities.DispatchRelease)));
        Assert.Contains(AuditRecordTypes.ReleaseFailed, ((InMemoryAuditStore)_app.Audit).TypesOf(input.ActionId));
    }

    private async Task NoOutageAsync(string id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await _app.SnapshotAsync(id))?.Outage is not null)
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>The action's status document as the HTTP API builds it for an auditor (the Functions backend over this task hub).</summary>
    private async Task<JsonObject> StatusAsync(string id)
    {
        var settings = new ApiSettings
        {
            PublicBaseUrl = new Uri("http://localhost:7071"),
            MaxBodyBytes = 16384,
            Limits = Core.Actions.ActionLimits.Default,
            MaxWait = TimeSpan.FromSeconds(5),
            Regions = new HashSet<string> { "westeurope" },
        };
        var api = new DurableApis(new ApiServices(settings, new Masker(new MaskingOptions()), TimeProvider.System, NullLogger<ApprovalsApi>.Instance),
            DurableApp.States, _app.Audit, new ApprovalsOptions()).For(_app.Client);
        var auditor = new TokenCaller("aud", "Audrey", null, null, null, new HashSet<string> { TokenCallers.Auditor });
        ApiResponse response = await api.StatusAsync(auditor, id, CancellationToken.None);
        var http = new DefaultHttpContext { Response = { Body = new MemoryStream() } };
        await response.WriteAsync(http);
        return JsonNode.Parse(((MemoryStream)http.Response.Body).ToArray())!.AsObject();
    }

    /// <summary>The outage the instance reports once <paramref name="rounds"/> rounds of retries have failed.</summary>
    private async Task<OutageStatus> OutageAsync(string id, int rounds)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if ((await _app.SnapshotAsync(id))?.Outage is OutageStatus outage && outage.Rounds >= rounds)
            {
                return outage;
            }

            await Task.Delay(20, timeout.Token);
        }
    }

    private void AssertTrailVerifies(string actionId, string[] types)
    {
        var audit = (InMemoryAuditStore)_app.Audit;
        Assert.Equal(types, audit.TypesOf(actionId));
        AuditVerificationReport report = AuditVerifier.Verify(audit.Files);
        Assert.True(report.Ok, string.Join("; ", report.Problems));
    }
}
