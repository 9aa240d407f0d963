using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.FunctionApp.Tests.Support;
using Microsoft.DurableTask.Client;
using static ApprovalFunctions.FunctionApp.Tests.Support.TestDirectory;

namespace ApprovalFunctions.FunctionApp.Tests.Orchestration;

/// <summary>
/// Time on the real engine: reminders, escalation and timeouts are durable timers of a few seconds (the policies'
/// clocks are short on purpose), and events raised while an activity runs wait in the instance's queue.
/// </summary>
public sealed class ApprovalTimingTests : IAsyncLifetime
{
    private readonly GatedNotifier _notifier = new();
    private DurableApp _app = null!;

    public async Task InitializeAsync() => _app = await DurableApp.StartAsync(notifiers: [_notifier]);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Run_NobodyAnswers_RemindsThenEscalatesThenExpiresRejected()
    {
        ApprovalInput input = await _app.SubmitAsync(TestPolicies.Action("ops.slow"));

        OrchestrationMetadata done = await _app.CompletionAsync(input.ActionId);

        Assert.Equal("expired", done.ReadOutputAs<string>());
        IReadOnlyList<string> types = Audit.TypesOf(input.ActionId);
        Assert.Equal(
            ["received", "evaluated", "approvers-resolved", "notified", "reminder", "notified", "escalated", "notified", "timed-out", "completed"],
            types);
        Assert.Equal([NotificationKind.Initial, NotificationKind.Reminder, NotificationKind.Escalation], _notifier.Kinds(input.ActionId));
        Assert.Contains(_notifier.Requests.Where(r => r.ActionId == input.ActionId && r.Notification.Kind == NotificationKind.Escalation),
            r => r.Notification.Recipients.Any(p => p.Id == Sam.Id));
        Assert.Empty(_app.Releases.Of(input.ActionId));
        AssertTrailVerifies();
    }

    [Fact]
    public async Task Run_EscalatedApproverDecides_Released()
    {
        ApprovalInput input = await _app.SubmitAsync(TestPolicies.Action("ops.slow"));
        await _app.WaitForStateAsync(input.ActionId, s => s.Escalated);

        await _app.DecideAsync(input, Sam, ApprovalChoice.Approve);

        Assert.Equal("released", (await _app.CompletionAsync(input.ActionId)).ReadOutputAs<string>());
        Assert.Single(_app.Releases.Of(input.ActionId));
    }

    [Fact]
    public async Task Run_TimeoutWithOnTimeoutApprove_ReleasedAsATimeoutDecision()
    {
        ApprovalInput input = await _app.SubmitAsync(TestPolicies.Action("ops.lenient"));

        OrchestrationMetadata done = await _app.CompletionAsync(input.ActionId);

        Assert.Equal("released", done.ReadOutputAs<string>());
        Assert.Single(_app.Releases.Of(input.ActionId));
        Assert.Contains(AuditRecordTypes.TimedOut, Audit.TypesOf(input.ActionId));
        AssertTrailVerifies();
    }

    [Fact]
    public async Task Run_TimeoutWithOnTimeoutReject_Expired()
    {
        ApprovalInput input = await _app.SubmitAsync(TestPolicies.Action("ops.strict"));

        Assert.Equal("expired", (await _app.CompletionAsync(input.ActionId)).ReadOutputAs<string>());
        Assert.Empty(_app.Releases.Of(input.ActionId));
    }

    [Fact]
    public async Task Run_DecisionRaisedWhileAnActivityRuns_BufferedAndCounted()
    {
        string id = _notifier.Hold();
        ApprovalInput input = await _app.SubmitAsync(TestPolicies.Action("db.write.rows"), id);
        await _notifier.WaitUntilHeldAsync(input.ActionId);

        await _app.DecideAsync(input, Dan, ApprovalChoice.Approve);   // the orchestrator is inside NotifyApprovers
        _notifier.Release();

        Assert.Equal("released", (await _app.CompletionAsync(input.ActionId)).ReadOutputAs<string>());
        Assert.Single(_app.Releases.Of(input.ActionId));
    }

    [Fact]
    public async Task Run_DecisionAndDeadlineDueInTheSameEpisode_TheDecisionMadeInTimeCounts()
    {
        string id = _notifier.Hold();
        ApprovalInput input = await _app.SubmitAsync(TestPolicies.Action("ops.strict"), id);
        await _notifier.WaitUntilHeldAsync(input.ActionId);

        await _app.DecideAsync(input, Dan, ApprovalChoice.Approve);   // in time (the deadline is 3 s away)
        await Task.Delay(TimeSpan.FromSeconds(4));                     // the deadline passes while the activity runs
        _notifier.Release();

        OrchestrationMetadata done = await _app.CompletionAsync(input.ActionId);
        Assert.Equal("released", done.ReadOutputAs<string>());
        Assert.DoesNotContain(AuditRecordTypes.TimedOut, Audit.TypesOf(input.ActionId));
    }

    [Fact]
    public async Task Run_DecisionMadeAfterTheDeadlineButBeforeTheTimerRan_RefusedAsLate()
    {
        string id = _notifier.Hold();
        ApprovalInput input = await _app.SubmitAsync(TestPolicies.Action("ops.strict"), id);
        await _notifier.WaitUntilHeldAsync(input.ActionId);

        await Task.Delay(TimeSpan.FromSeconds(4));
        await _app.DecideAsync(input, Dan, ApprovalChoice.Approve);   // made after the deadline
        _notifier.Release();

        Assert.Equal("expired", (await _app.CompletionAsync(input.ActionId)).ReadOutputAs<string>());
        Assert.Contains(AuditRecordTypes.DecisionRejected, Audit.TypesOf(input.ActionId));
        Assert.Empty(_app.Releases.Of(input.ActionId));
    }

    private InMemoryAuditStore Audit => (InMemoryAuditStore)_app.Audit;

    private void AssertTrailVerifies()
    {
        AuditVerificationReport report = AuditVerifier.Verify(Audit.Files);
        Assert.True(report.Ok, string.Join("; ", report.Problems));
    }
}
