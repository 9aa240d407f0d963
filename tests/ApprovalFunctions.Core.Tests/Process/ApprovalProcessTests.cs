using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Tests.Support;

namespace ApprovalFunctions.Core.Tests.Process;

public class ApprovalProcessTests
{
    private static ProcessHarness Harness(string? actionJson = null, string policy = ProcessHarness.Policies, AgentIdentity? agent = null, IReadOnlyList<string>? managers = null) =>
        new(policy, actionJson: actionJson, agent: agent, requesterManagers: managers);

    [Fact]
    public void Start_NewAction_WritesTheReceivedRecordWithTheFullActionFirst()
    {
        var h = Harness();

        var write = Assert.IsType<WriteAuditStep>(h.Step);

        Assert.Equal(AuditRecordTypes.Received, write.Record.Type);
        Assert.Equal(1, write.Record.Sequence);
        Assert.Null(write.Record.PreviousHash);
        Assert.Equal("db.write.rows", write.Record.Content.GetProperty("action").GetProperty("type").GetString());
        Assert.Equal("2026/11/21/act-1/000001-received.json", write.Key);
    }

    [Fact]
    public void Run_AllowedAction_IsReleasedOnceAndCompleted()
    {
        var h = Harness("""{"type":"crm.read","summary":"Read","data":{"sourceRegion":"westeurope"}}""");

        var release = Assert.IsType<ReleaseStep>(h.Run());
        Assert.Equal(ReleaseBasis.Allowed, release.Facts.Basis);
        Assert.Empty(release.Facts.Approvers);
        h.Release();

        Assert.Equal(ProcessStatus.Completed, h.Status);
        Assert.Equal(new FinishStep(ProcessOutcome.Released), h.Step);
        Assert.Equal(["received", "evaluated", "released", "completed"], h.RecordTypes);
        Assert.True(h.Verify().Ok);
    }

    [Fact]
    public void Run_DeniedAction_CompletesWithoutRelease()
    {
        var h = Harness("""{"type":"db.delete","summary":"Drop","data":{"sourceRegion":"westeurope"}}""");

        Assert.Equal(new FinishStep(ProcessOutcome.Denied), h.Run());

        Assert.Equal(ProcessStatus.Completed, h.Status);
        Assert.Equal("no deletes", h.Process.State.OutcomeReason);
        Assert.Equal(["received", "evaluated", "completed"], h.RecordTypes);
    }

    [Fact]
    public void Run_ApprovalRequired_ResolvesApproversNotifiesThemAndWaits()
    {
        var h = Harness();

        var wait = Assert.IsType<AwaitDecisionStep>(h.Run());

        Assert.Equal(ProcessStatus.PendingApproval, h.Status);
        Assert.Equal(ProcessHarness.T0.AddHours(1), wait.Deadline);
        NotificationRound round = Assert.Single(h.Notified);
        Assert.Equal(NotificationKind.Initial, round.Kind);
        // The requester (Rita) and the agent's owner (Olga) are in prod-owners but never asked.
        Assert.Equal(["dba-dan", "dba-dora", "owner-ann", "owner-bob"], round.Recipients.Select(p => p.Id));
        Assert.Equal(["received", "evaluated", "approvers-resolved", "notified"], h.RecordTypes);
    }

    [Fact]
    public void Decide_TwoRequirementsAcrossTwoGroups_ReleasesOnlyWhenBothAreMet()
    {
        var h = Harness();
        h.Run();

        Assert.Equal(VerdictKind.Accepted, h.Decide("owner-ann").Kind);
        Assert.Equal(ProcessStatus.PendingApproval, h.Status);
        Assert.Equal(1, h.Process.Tally().Requirements.Sum(r => r.StillNeeded));

        Assert.Equal(VerdictKind.Accepted, h.Decide("dba-dan").Kind);
        var release = Assert.IsType<ReleaseStep>(h.Step);

        Assert.Equal(ReleaseBasis.Approved, release.Facts.Basis);
        Assert.Equal(["owner-ann", "dba-dan"], release.Facts.Approvers.Select(a => a.Id));
        Assert.All(release.Facts.Approvers, a => Assert.Equal("mfa", a.AuthStrength));
        Assert.Equal(h.Action.Digest, release.Facts.ActionDigest);
        h.Release();
        Assert.Equal(ProcessStatus.Completed, h.Status);
        Assert.True(h.Verify().Ok);
    }

    [Fact]
    public void Decide_OneOfOne_Releases()
    {
        var h = Harness("""{"type":"ticket.close","summary":"Close","data":{"sourceRegion":"westeurope"}}""");
        h.Run();

        h.Decide("sec-sam");

        Assert.IsType<ReleaseStep>(h.Step);
    }

    [Fact]
    public void Decide_MinApprovalsTwo_NeedsTwoDistinctPeople()
    {
        var h = Harness(policy: ProcessHarness.EscalatingPolicy);
        h.Run();

        h.Decide("owner-ann");
        Assert.Equal(VerdictKind.Duplicate, h.Decide("owner-ann").Kind);
        Assert.Equal(ProcessStatus.PendingApproval, h.Status);
        h.Decide("owner-bob");

        Assert.Equal(ProcessStatus.Approved, h.Status);
    }

    [Fact]
    public void Decide_OneReject_VetoesTheAction()
    {
        var h = Harness();
        h.Run();
        h.Decide("owner-ann");

        DecisionVerdict verdict = h.Decide("dba-dora", ApprovalChoice.Reject, comment: "not during month end");

        Assert.Equal(VerdictKind.Accepted, verdict.Kind);
        Assert.Equal(new FinishStep(ProcessOutcome.Rejected), h.Step);
        Assert.Equal("rejected by dba-dora", h.Process.State.OutcomeReason);
        Assert.Equal("not during month end", h.Written.Single(r => r.Type == "decision" && r.Content.GetProperty("choice").GetString() == "reject").Content.GetProperty("comment").GetString());
    }

    [Fact]
    public void Decide_ApproverChangesTheirMindToReject_RejectWins()
    {
        var h = Harness();
        h.Run();
        h.Decide("owner-ann");

        Assert.Equal(VerdictKind.Accepted, h.Decide("owner-ann", ApprovalChoice.Reject).Kind);

        Assert.Equal(ProcessStatus.Completed, h.Status);
        Assert.Equal(ProcessOutcome.Rejected, h.Process.State.Outcome);
    }

    [Theory]
    [InlineData("requester-rita", RefusalReason.SelfApproval)]
    [InlineData("agent-etl", RefusalReason.AgentApproval)]
    [InlineData("owner-olga", RefusalReason.OwnerApproval)]
    [InlineData("someone-else", RefusalReason.NotEligible)]
    public void Decide_SelfAgentOwnerOrOutsider_IsRefusedAndAudited(string approver, RefusalReason reason)
    {
        var h = Harness();
        h.Run();
        int records = h.Written.Count;

        DecisionVerdict verdict = h.Decide(approver);

        Assert.Equal(VerdictKind.Refused, verdict.Kind);
        Assert.Equal(reason, verdict.Reason);
        Assert.Equal(ProcessStatus.PendingApproval, h.Status);
        Assert.Empty(h.Process.State.Votes);
        AuditRecord attempt = Assert.Single(h.Written.Skip(records));
        Assert.Equal(AuditRecordTypes.DecisionRejected, attempt.Type);
        Assert.Equal(CoreJson.Name(reason), attempt.Content.GetProperty("reason").GetString());
    }

    [Fact]
    public void Decide_RequesterByEmailAlias_IsStillSelfApproval()
    {
        var h = Harness("""{"type":"db.write.rows","summary":"s","requester":{"id":"ann@contoso.com"},"data":{"sourceRegion":"westeurope"}}""");
        h.Run();

        DecisionReceived decision = h.Decision("owner-ann", email: "ann@contoso.com");

        Assert.Equal(RefusalReason.SelfApproval, h.Process.Judge(decision).Reason);
    }

    [Fact]
    public void Decide_ManagerChainExcludedByThePlan_IsRefused()
    {
        const string policy = """
            policy: m
            defaults: { effect: requireApproval, approval: { approvers: ["group:managers", "group:dba"], excludeManagerChain: true } }
            """;
        var h = Harness(policy: policy, managers: ["mgr-max"]);
        h.Run();

        Assert.DoesNotContain(h.Notified.Single().Recipients, p => p.Id == "mgr-max");
        Assert.Equal(RefusalReason.ManagerChain, h.Decide("mgr-max").Reason);
        Assert.Equal(VerdictKind.Accepted, h.Decide("dba-dan").Kind);
    }

    [Fact]
    public void Decide_DigestOfAnotherAction_IsRefused()
    {
        var h = Harness();
        h.Run();

        DecisionVerdict verdict = h.Decide("owner-ann", digest: "sha256:" + new string('0', 64));

        Assert.Equal(RefusalReason.DigestMismatch, verdict.Reason);
        Assert.Empty(h.Process.State.Votes);
    }

    [Fact]
    public void Decide_SameDecisionIdRedelivered_ChangesNothing()
    {
        var h = Harness();
        h.Run();
        DecisionReceived decision = h.Decision("owner-ann", decisionId: "decision-42");
        h.Apply(decision);
        h.Run();
        ProcessState before = h.Process.State;

        Assert.Equal(VerdictKind.Duplicate, h.Process.Judge(decision).Kind);
        h.Apply(decision);

        Assert.Same(before, h.Process.State);
    }

    [Fact]
    public void Decide_AtOrAfterTheDeadline_IsRefusedAsLate()
    {
        var h = Harness();
        h.Run();
        h.Now = ProcessHarness.T0.AddHours(1);

        Assert.Equal(RefusalReason.PastDeadline, h.Decide("owner-ann").Reason);
    }

    [Fact]
    public void Decide_AfterCompletion_IsRefusedAsNotPendingAndAudited()
    {
        var h = Harness();
        h.Run();
        h.Decide("owner-ann", ApprovalChoice.Reject);

        DecisionVerdict verdict = h.Decide("dba-dan");

        Assert.Equal(RefusalReason.NotPending, verdict.Reason);
        Assert.Equal(AuditRecordTypes.DecisionRejected, h.Written[^1].Type);
        Assert.Equal(ProcessStatus.Completed, h.Status);
        Assert.True(h.Verify().Ok);
    }

    [Fact]
    public void Timers_ReminderThenEscalationThenTimeout_FollowThePlanAndRejectByDefault()
    {
        var h = Harness(policy: ProcessHarness.EscalatingPolicy);
        h.Run();
        h.Decide("owner-ann");

        h.FireTimer(); // +15m reminder to those who have not answered
        Assert.Equal(ProcessHarness.T0.AddMinutes(15), h.Now);
        NotificationRound reminder = h.Notified[^1];
        Assert.Equal(NotificationKind.Reminder, reminder.Kind);
        Assert.Equal(["owner-bob"], reminder.Recipients.Select(p => p.Id));

        h.FireTimer(); // +30m escalation to security on-call, deadline extended by 30m
        NotificationRound escalation = h.Notified[^1];
        Assert.Equal(NotificationKind.Escalation, escalation.Kind);
        Assert.Equal(["sec-sam", "sec-sue"], escalation.Recipients.Select(p => p.Id));
        Assert.Equal(ProcessHarness.T0.AddMinutes(90), h.Process.State.Deadline);

        h.FireTimer(); // +90m timeout
        Assert.Equal(ProcessHarness.T0.AddMinutes(90), h.Now);
        Assert.Equal(new FinishStep(ProcessOutcome.Expired), h.Step);
        AuditRecord timedOut = h.Written.Single(r => r.Type == AuditRecordTypes.TimedOut);
        Assert.Equal("reject", timedOut.Content.GetProperty("outcome").GetString());
        Assert.Equal("policy:onTimeout", timedOut.Content.GetProperty("decidedBy").GetString());
        Assert.Equal(["received", "evaluated", "approvers-resolved", "notified", "decision", "reminder", "notified", "escalated", "notified", "timed-out", "completed"], h.RecordTypes);
        Assert.True(h.Verify().Ok);
    }

    [Fact]
    public void Timers_EscalatedApprover_CanCompleteAnUnmetRequirement()
    {
        var h = Harness(policy: ProcessHarness.EscalatingPolicy);
        h.Run();
        h.Decide("owner-ann");
        Assert.Equal(RefusalReason.NotEligible, h.Decide("sec-sam").Reason);

        h.FireTimer();
        h.FireTimer();
        Assert.Equal(VerdictKind.Accepted, h.Decide("sec-sam").Kind);

        Assert.Equal(ProcessStatus.Approved, h.Status);
    }

    [Fact]
    public void Timers_OnTimeoutApprove_ReleasesOnTheTimeoutsOwnDecision()
    {
        const string policy = """
            policy: t
            defaults: { effect: requireApproval, approval: { approvers: ["group:dba"], timeout: PT10M, onTimeout: approve } }
            """;
        var h = Harness(policy: policy);
        h.Run();

        h.FireTimer();

        var release = Assert.IsType<ReleaseStep>(h.Step);
        Assert.Equal(ReleaseBasis.ApprovedOnTimeout, release.Facts.Basis);
        Assert.Equal("approve", h.Written.Single(r => r.Type == AuditRecordTypes.TimedOut).Content.GetProperty("outcome").GetString());
    }

    [Fact]
    public void TimerFired_BeforeItIsDue_IsIllegal()
    {
        var h = Harness();
        h.Run();

        var ex = Assert.Throws<ProcessTransitionException>(() => h.Apply(new TimerFired(ProcessHarness.T0.AddMinutes(5))));

        Assert.Contains("the timer is due at", ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Cancel_ByTheRequestingAgentWhilePending_EndsCancelled()
    {
        var h = Harness();
        h.Run();

        h.Apply(new CancelRequested("agent-etl", "no longer needed", h.Now));
        h.Run();

        Assert.Equal(new FinishStep(ProcessOutcome.Cancelled), h.Step);
        Assert.Equal("no longer needed", h.Written.Single(r => r.Type == "cancelled").Content.GetProperty("reason").GetString());
    }

    [Fact]
    public void Cancel_ByAnotherAgent_IsNotPermitted()
    {
        var h = Harness();
        h.Run();

        var ex = Assert.Throws<ProcessTransitionException>(() => h.Apply(new CancelRequested("agent-other", null, h.Now)));

        Assert.Equal(TransitionRefusal.NotPermitted, ex.Refusal);
        Assert.Equal("act-1", ex.ActionId);
    }

    [Fact]
    public void Cancel_AfterApproval_IsIllegal()
    {
        var h = Harness("""{"type":"crm.read","summary":"Read","data":{"sourceRegion":"westeurope"}}""");
        h.Run();

        var ex = Assert.Throws<ProcessTransitionException>(() => h.Apply(new CancelRequested("agent-etl", null, h.Now)));

        Assert.Equal(ProcessStatus.Allowed, ex.Status);
        Assert.Equal(nameof(CancelRequested), ex.EventName);
    }

    [Fact]
    public void Release_TransientFailures_AreRetriedThenReleasedOnce()
    {
        var h = Harness("""{"type":"crm.read","summary":"Read","data":{"sourceRegion":"westeurope"}}""");
        h.Run();

        h.Apply(new ReleaseFailed("webhook returned 503", Permanent: false, h.Now));
        h.Run();
        var retry = Assert.IsType<ReleaseStep>(h.Step);
        Assert.Equal(2, retry.Attempt);
        h.Release();

        Assert.Equal(ProcessOutcome.Released, h.Process.State.Outcome);
        Assert.Equal(["received", "evaluated", "release-failed", "released", "completed"], h.RecordTypes);
        Assert.Throws<ProcessTransitionException>(() => h.Apply(new Released("rcpt-2", h.Now, "sha256:x", h.Now)));
    }

    [Fact]
    public void Release_PermanentFailure_EndsFailedWithoutRelease()
    {
        var h = Harness("""{"type":"crm.read","summary":"Read","data":{"sourceRegion":"westeurope"}}""");
        h.Run();

        h.Apply(new ReleaseFailed("executor rejected the action", Permanent: true, h.Now));
        h.Run();

        Assert.Equal(ProcessStatus.Failed, h.Status);
        Assert.Equal(new FinishStep(ProcessOutcome.Failed), h.Step);
        Assert.Null(h.Process.State.ReceiptId);
        Assert.True(h.Process.IsFinished);
    }

    [Fact]
    public void Apply_AnyEventWhileARecordIsPending_IsIllegal()
    {
        var h = Harness();

        var ex = Assert.Throws<ProcessTransitionException>(() => h.Apply(new PolicyEvaluated(null!, h.Now)));

        Assert.Contains("audit record #1 must be written first", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_AuditWrittenOutOfOrder_IsIllegal()
    {
        var h = Harness();

        Assert.Throws<ProcessTransitionException>(() => h.Apply(new AuditWritten(2, h.Now)));
    }

    [Fact]
    public void Decide_CommentsWithPersonalData_AreMaskedInTheTrail()
    {
        var h = Harness();
        h.Run();

        h.Decide("owner-ann", comment: "call me on +44 20 7946 0958 or card 4111 1111 1111 1111");

        string comment = h.Written.Single(r => r.Type == "decision").Content.GetProperty("comment").GetString()!;
        Assert.DoesNotContain("7946 0958", comment, StringComparison.Ordinal);
        Assert.DoesNotContain("4111 1111", comment, StringComparison.Ordinal);
    }

    [Fact]
    public void State_RoundTripsThroughJsonAtEveryStep()
    {
        var h = Harness(policy: ProcessHarness.EscalatingPolicy);
        var seen = new List<ProcessState>();
        var process = h.Process;
        void Check(ApprovalProcess p)
        {
            string json = CoreJson.Serialize(p.State);
            ApprovalProcess restored = ApprovalProcess.FromState(CoreJson.DeserializeState(json));
            Assert.Equal(json, CoreJson.Serialize(restored.State));
            Assert.Equal(CoreJson.Serialize(p.Next()), CoreJson.Serialize(restored.Next()));
        }

        Check(h.Process);
        h.Run();
        Check(h.Process);
        h.Decide("owner-ann");
        Check(h.Process);
        h.FireTimer();
        Check(h.Process);
        h.Decide("owner-bob");
        Check(h.Process);
    }

    [Fact]
    public void Events_RoundTripThroughJson()
    {
        var h = Harness();
        h.Run();
        h.Decide("owner-ann");

        foreach (ProcessEvent e in h.Events)
        {
            string json = CoreJson.Serialize(e);
            Assert.Equal(json, CoreJson.Serialize(CoreJson.DeserializeEvent(json)));
        }
    }
}
