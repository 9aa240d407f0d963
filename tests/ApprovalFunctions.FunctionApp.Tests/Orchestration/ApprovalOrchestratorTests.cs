using ApprovalFunctions.Core.Process;
using ApprovalFunctions.FunctionApp.Tests.Support;

namespace ApprovalFunctions.FunctionApp.Tests.Orchestration;

public sealed class ApprovalOrchestratorTests
{
    private const string Read = """{"type":"crm.read","summary":"Read accounts","data":{"sourceRegion":"westeurope"}}""";
    private const string Write = """{"type":"db.write.rows","summary":"Fix 12 rows","target":{"environment":"production"},"data":{"sourceRegion":"westeurope"}}""";
    private const string Delete = """{"type":"db.delete","summary":"Drop","data":{"sourceRegion":"westeurope"}}""";
    private const string Grant = """{"type":"iam.grant","summary":"Grant admin","data":{"sourceRegion":"westeurope"}}""";

    [Fact]
    public async Task RunAsync_PolicyAllows_ReleasesOnceWithReceiptAndAuditsEveryStep()
    {
        var h = new OrchestrationHarness(Read);

        Assert.Equal("released", await h.RunAsync());

        var sent = Assert.Single(h.Releases.Sent);
        Assert.Equal("act_test1", sent.ActionId);
        Assert.StartsWith("rcpt_", sent.Receipt.ReceiptId, StringComparison.Ordinal);
        Assert.Equal(3, sent.Receipt.Jws.Split('.').Length);
        Assert.Equal(["received", "evaluated", "released", "completed"], h.Audit.Types);
        Assert.Equal(sent.Receipt.ReceiptId, h.CustomStatus[^1].Receipt?.ReceiptId);
    }

    [Fact]
    public async Task RunAsync_PolicyDenies_FinishesDeniedWithoutRelease()
    {
        var h = new OrchestrationHarness(Delete);

        Assert.Equal("denied", await h.RunAsync());

        Assert.Empty(h.Releases.Sent);
        Assert.Equal(["received", "evaluated", "completed"], h.Audit.Types);
        Assert.Empty(h.Timers);
    }

    [Fact]
    public async Task RunAsync_ApprovedBeforeDeadline_ReleasesAndCancelsTheTimer()
    {
        var h = new OrchestrationHarness(Write);
        h.Raise(h.Decision("dba-dan"));

        Assert.Equal("released", await h.RunAsync());

        Assert.Single(h.Releases.Sent);
        var timer = Assert.Single(h.Timers);
        Assert.True(timer.Token.IsCancellationRequested, "a timer left running keeps the instance alive until it fires");
        Assert.Equal(OrchestrationHarness.T0.AddHours(1), timer.FireAt);
        Assert.Contains("decision", h.Audit.Types);
        Assert.Equal(ProcessStatus.PendingApproval, CoreStatus(h, 0));
    }

    [Fact]
    public async Task RunAsync_Rejected_FinishesRejectedWithoutRelease()
    {
        var h = new OrchestrationHarness(Write);
        h.Raise(h.Decision("dba-dan", ApprovalChoice.Reject, comment: "not today"));

        Assert.Equal("rejected", await h.RunAsync());

        Assert.Empty(h.Releases.Sent);
        Assert.Contains("decision", h.Audit.Types);
    }

    [Fact]
    public async Task RunAsync_NoDecisionBeforeDeadline_TimesOutThroughTheCancelledWait()
    {
        var h = new OrchestrationHarness(Write);

        Assert.Equal("expired", await h.RunAsync());

        Assert.Equal(1, h.EventWaitsCancelled);
        Assert.Empty(h.Releases.Sent);
        Assert.Equal(ProcessStatus.Completed, h.LastState.Status);
    }

    [Fact]
    public async Task RunAsync_SameDecisionTwice_CountsItOnce()
    {
        var h = new OrchestrationHarness(Grant);
        h.Raise(h.Decision("dba-dan", decisionId: "d-1"));
        h.Raise(h.Decision("dba-dan", decisionId: "d-1"));

        // Two approvals are needed; the duplicate is not the second, so the request runs out of time.
        Assert.Equal("expired", await h.RunAsync());

        Assert.Single(h.Audit.Types, t => t == "decision");
        Assert.Empty(h.Releases.Sent);
    }

    [Fact]
    public async Task RunAsync_TwoDistinctApprovers_ReleasesAfterTheSecond()
    {
        var h = new OrchestrationHarness(Grant);
        h.Raise(h.Decision("dba-dan", decisionId: "d-1"));
        h.Raise(h.Decision("dba-dora", decisionId: "d-2"));

        Assert.Equal("released", await h.RunAsync());

        Assert.Equal(2, h.Audit.Types.Count(t => t == "decision"));
    }

    [Fact]
    public async Task RunAsync_SelfApprovalByTheAgent_IsAuditedAndNotCounted()
    {
        var h = new OrchestrationHarness(Write, agentId: "dba-dan");
        h.Raise(h.Decision("dba-dan"));

        Assert.Equal("expired", await h.RunAsync());

        Assert.Empty(h.Releases.Sent);
        Assert.DoesNotContain("decision", h.Audit.Types);
        Assert.Contains("decision-rejected", h.Audit.Types);
    }

    [Fact]
    public async Task RunAsync_UnreadableEvent_IsIgnoredAndTheWaitGoesOn()
    {
        var h = new OrchestrationHarness(Write);
        h.RaiseRaw("{not json");
        h.Raise(h.Decision("dba-dan"));

        Assert.Equal("released", await h.RunAsync());
    }

    [Fact]
    public async Task RunAsync_CancelledByTheAgent_FinishesCancelled()
    {
        var h = new OrchestrationHarness(Write);
        h.Raise(new CancelRequested("agent-etl", "no longer needed", new DateTimeOffset(OrchestrationHarness.T0)));

        Assert.Equal("cancelled", await h.RunAsync());

        Assert.Empty(h.Releases.Sent);
    }

    private static ProcessStatus CoreStatus(OrchestrationHarness h, int index) =>
        Core.Json.CoreJson.DeserializeState(h.CustomStatus[index].State).Status;
}
