using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Tests.Support;

namespace ApprovalFunctions.Core.Tests.Process;

/// <summary>
/// Refused decisions are audited up to a limit per caller and per action, and only counted after it, so a flood cannot
/// grow the state, the hosts' history or the audit trail without bound; the trail's last record still says how many.
/// </summary>
public sealed class RefusalLimitTests
{
    [Fact]
    public void Apply_TenThousandRefusedDecisionsFromOneCaller_AuditsFiveAndTheStateStopsGrowing()
    {
        var h = new ProcessHarness(ProcessHarness.Policies);
        h.Run();
        int before = CoreJson.Serialize(h.Process.State).Length;
        string? afterFive = null;

        for (int i = 0; i < 10_000; i++)
        {
            Assert.Equal(RefusalReason.NotEligible, h.Decide("sec-sam").Reason); // neither a prod owner nor a DBA
            if (i == ApprovalProcess.MaxAuditedRefusalsPerCaller - 1)
            {
                afterFive = CoreJson.Serialize(h.Process.State);
            }
        }

        ProcessState state = h.Process.State;
        Assert.Equal(10_000, state.RefusedAttempts);
        Assert.Equal(ApprovalProcess.MaxAuditedRefusalsPerCaller, state.DecisionIds.Count);
        Assert.Equal(ApprovalProcess.MaxAuditedRefusalsPerCaller, h.RecordTypes.Count(t => t == AuditRecordTypes.DecisionRejected));
        int final = CoreJson.Serialize(state).Length;
        Assert.True(final - afterFive!.Length <= 4, $"grew from {afterFive.Length} to {final} characters after the limit (started at {before})");
        Assert.Equal(ProcessStatus.PendingApproval, state.Status);
    }

    [Fact]
    public void Apply_RefusalsFromManyCallers_AuditedForTheFirstFiftyCountedForAll()
    {
        var h = new ProcessHarness(ProcessHarness.Policies);
        h.Run();

        for (int i = 0; i < 60; i++)
        {
            h.Decide($"stranger-{i}");
        }

        Assert.Equal(60, h.Process.State.RefusedAttempts);
        Assert.Equal(ApprovalProcess.MaxTrackedCallers, h.Process.State.RefusalsByCaller.Count);
        Assert.Equal(ApprovalProcess.MaxTrackedCallers, h.RecordTypes.Count(t => t == AuditRecordTypes.DecisionRejected));
    }

    [Fact]
    public void Apply_FloodThenApprovals_StillApprovedAndTheCompletedRecordCountsEveryRefusal()
    {
        var h = new ProcessHarness(ProcessHarness.Policies);
        h.Run();
        for (int i = 0; i < 20; i++)
        {
            h.Decide("sec-sam");
        }

        Assert.Equal(VerdictKind.Accepted, h.Decide("owner-ann").Kind);
        Assert.Equal(VerdictKind.Accepted, h.Decide("dba-dan").Kind);
        h.Release();

        Assert.Equal(ProcessStatus.Completed, h.Status);
        AuditRecord completed = h.Written.Single(r => r.Type == AuditRecordTypes.Completed);
        Assert.Equal(20, completed.Content.GetProperty("refusedAttempts").GetInt32());
        Assert.True(h.Verify().Ok);
    }

    [Fact]
    public void Apply_RequesterSelfApproval_StillRefusedAndAuditedWithinTheLimit()
    {
        var h = new ProcessHarness(ProcessHarness.Policies);
        h.Run();

        Assert.Equal(RefusalReason.SelfApproval, h.Decide("requester-rita").Reason);

        Assert.Single(h.RecordTypes, AuditRecordTypes.DecisionRejected);
        Assert.Equal(1, h.Process.State.RefusedAttempts);
    }
}
