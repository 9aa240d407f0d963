using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Tests.Support;

namespace ApprovalFunctions.Core.Tests.Process;

/// <summary>Every (status, event) pair: the rows of the transition table are accepted, everything else is refused with its data.</summary>
public class TransitionTableTests
{
    private static readonly Type[] EventTypes =
        [typeof(AuditWritten), typeof(PolicyEvaluated), typeof(ApproversResolved), typeof(ApproversNotified), typeof(DecisionReceived),
         typeof(TimerFired), typeof(CancelRequested), typeof(Released), typeof(ReleaseFailed)];

    /// <summary>The table as the design states it.</summary>
    private static readonly Dictionary<ProcessStatus, Type[]> Legal = new()
    {
        [ProcessStatus.Received] = [typeof(PolicyEvaluated), typeof(CancelRequested), typeof(AuditWritten), typeof(DecisionReceived)],
        [ProcessStatus.PendingApproval] = [typeof(ApproversResolved), typeof(ApproversNotified), typeof(DecisionReceived), typeof(TimerFired), typeof(CancelRequested), typeof(AuditWritten)],
        [ProcessStatus.Allowed] = [typeof(Released), typeof(ReleaseFailed), typeof(AuditWritten), typeof(DecisionReceived)],
        [ProcessStatus.Approved] = [typeof(Released), typeof(ReleaseFailed), typeof(AuditWritten), typeof(DecisionReceived)],
        [ProcessStatus.Denied] = [typeof(AuditWritten), typeof(DecisionReceived)],
        [ProcessStatus.Rejected] = [typeof(AuditWritten), typeof(DecisionReceived)],
        [ProcessStatus.Expired] = [typeof(AuditWritten), typeof(DecisionReceived)],
        [ProcessStatus.Cancelled] = [typeof(AuditWritten), typeof(DecisionReceived)],
        [ProcessStatus.Released] = [typeof(AuditWritten), typeof(DecisionReceived)],
        [ProcessStatus.Completed] = [typeof(AuditWritten), typeof(DecisionReceived)],
        [ProcessStatus.Failed] = [typeof(AuditWritten), typeof(DecisionReceived)],
    };

    public static TheoryData<ProcessStatus, string> Pairs()
    {
        var data = new TheoryData<ProcessStatus, string>();
        foreach (ProcessStatus status in Enum.GetValues<ProcessStatus>())
        {
            foreach (Type type in EventTypes)
            {
                data.Add(status, type.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Apply_EveryStatusAndEvent_FollowsTheTable(ProcessStatus status, string eventName)
    {
        ProcessHarness h = InStatus(status);
        Assert.Equal(status, h.Status);
        ProcessEvent e = Sample(h, EventTypes.Single(t => t.Name == eventName));
        bool legal = Legal[status].Contains(e.GetType());

        ProcessTransitionException? refused = Record.Exception(() => h.Apply(e)) as ProcessTransitionException;

        if (legal)
        {
            // A legal row may still refuse for a reason of its own (for example records must be written first), never for lack of a row.
            Assert.True(refused is null || refused.Detail != "no transition allows it", refused?.Message);
        }
        else
        {
            Assert.NotNull(refused);
            Assert.Equal("no transition allows it", refused.Detail);
            Assert.Equal(status, refused.Status);
            Assert.Equal(eventName, refused.EventName);
            Assert.Equal("act-1", refused.ActionId);
            Assert.Contains($"Action act-1: {eventName} cannot be applied in status {status}", refused.Message, StringComparison.Ordinal);
        }
    }

    private static ProcessHarness InStatus(ProcessStatus status)
    {
        const string read = """{"type":"crm.read","summary":"Read","data":{"sourceRegion":"westeurope"}}""";
        const string delete = """{"type":"db.delete","summary":"Drop","data":{"sourceRegion":"westeurope"}}""";
        var h = new ProcessHarness(ProcessHarness.Policies, actionJson: status switch
        {
            ProcessStatus.Allowed or ProcessStatus.Released or ProcessStatus.Failed => read,
            ProcessStatus.Denied => delete,
            _ => null,
        });
        switch (status)
        {
            case ProcessStatus.Received:
                h.Apply(new AuditWritten(1, h.Now));
                break;
            case ProcessStatus.PendingApproval:
            case ProcessStatus.Allowed:
                h.Run();
                break;
            case ProcessStatus.Approved:
                h.Run();
                h.Decide("owner-ann");
                h.Decide("dba-dan");
                break;
            case ProcessStatus.Denied:
                StopBeforeCompleted(h);
                break;
            case ProcessStatus.Rejected:
                h.Run();
                h.Apply(h.Decision("owner-ann", ApprovalChoice.Reject));
                StopBeforeCompleted(h);
                break;
            case ProcessStatus.Expired:
                h.Run();
                var wait = (AwaitDecisionStep)h.Step;
                h.Now = wait.Deadline;
                h.Apply(new TimerFired(h.Now));
                StopBeforeCompleted(h);
                break;
            case ProcessStatus.Cancelled:
                h.Run();
                h.Apply(new CancelRequested("agent-etl", null, h.Now));
                StopBeforeCompleted(h);
                break;
            case ProcessStatus.Released:
                h.Run();
                h.Apply(new Released("r", h.Now.AddMinutes(5), "sha256:x", h.Now));
                StopBeforeCompleted(h);
                break;
            case ProcessStatus.Completed:
                h.Run();
                h.Decide("owner-ann", ApprovalChoice.Reject);
                break;
            case ProcessStatus.Failed:
                h.Run();
                h.Apply(new ReleaseFailed("gone", true, h.Now));
                h.Run();
                break;
        }

        return h;
    }

    /// <summary>Writes every pending record except the final 'completed' one, leaving the process in its resting status.</summary>
    private static void StopBeforeCompleted(ProcessHarness h) =>
        h.Run(step => step is WriteAuditStep { Record.Type: "completed" });

    private static ProcessEvent Sample(ProcessHarness h, Type type)
    {
        DateTimeOffset at = h.Now;
        long nextRecord = h.Process.State.PendingAudit.Count > 0 ? h.Process.State.PendingAudit[0].Sequence : h.Process.State.NextSequence;
        ApprovalPlan plan = h.Process.State.Decision?.Approval
            ?? new ApprovalPlan([new ApprovalRequirement(["group:dba"], 1, ["r"])], TimeSpan.FromHours(1), null, null, [], TimeSpan.Zero, TimeoutOutcome.Reject, false);
        PolicyDecision decision = h.Process.State.Decision
            ?? new PolicyDecision(PolicyEffect.Allow, [], [], [], null, [], "sha256:p", []);
        return type.Name switch
        {
            nameof(AuditWritten) => new AuditWritten(nextRecord, at),
            nameof(PolicyEvaluated) => new PolicyEvaluated(decision, at),
            nameof(ApproversResolved) => new ApproversResolved(h.Resolve(plan), at),
            nameof(ApproversNotified) => new ApproversNotified(1, [], at),
            nameof(DecisionReceived) => h.Decision("owner-bob"),
            nameof(TimerFired) => new TimerFired(at.AddDays(1)),
            nameof(CancelRequested) => new CancelRequested("agent-etl", null, at),
            nameof(Released) => new Released("rcpt", at.AddMinutes(5), "sha256:x", at),
            _ => new ReleaseFailed("boom", false, at),
        };
    }
}
