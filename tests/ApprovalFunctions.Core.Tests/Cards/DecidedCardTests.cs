using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Tests.Support;

namespace ApprovalFunctions.Core.Tests.Cards;

public class DecidedCardTests
{
    private static readonly Uri Review = new("https://approvals.example/portal/review/act-1");

    [Fact]
    public void DecidedHeadline_FirstOfTwoApprovals_SaysOthersAreStillNeeded()
    {
        var h = new ProcessHarness(ProcessHarness.Policies);
        h.Run();
        h.Decide("owner-ann");

        Assert.Equal("You approved this request. Waiting for the other approvers.", ApprovalCards.DecidedHeadline(approved: true, h.Process.State));
    }

    [Fact]
    public void DecidedHeadline_Rejected_SaysWhereTheRequestStands()
    {
        var h = new ProcessHarness(ProcessHarness.Policies);
        h.Run();
        h.Decide("owner-ann", ApprovalChoice.Reject, comment: "not now");

        Assert.Equal("You rejected this request. The request is completed.", ApprovalCards.DecidedHeadline(approved: false, h.Process.State));
    }

    [Fact]
    public void OutcomeHeadline_Pending_SaysApprovalIsNeeded()
    {
        var h = new ProcessHarness(ProcessHarness.Policies);
        h.Run();

        Assert.Equal("Approval needed", ApprovalCards.OutcomeHeadline(h.Process.State));
    }

    [Fact]
    public void OutcomeHeadline_ApprovedByBothGroups_NamesEachApproverOnce()
    {
        var h = new ProcessHarness(ProcessHarness.Policies);
        h.Run();
        h.Decide("owner-ann");
        h.Decide("owner-ann"); // the same decision again: named once
        h.Decide("dba-dan");

        Assert.Equal("Approved by owner-ann, dba-dan", ApprovalCards.OutcomeHeadline(h.Process.State));
    }

    [Fact]
    public void OutcomeHeadline_Rejected_NamesWhoRejected()
    {
        var h = new ProcessHarness(ProcessHarness.Policies);
        h.Run();
        h.Decide("owner-ann");
        h.Decide("owner-bob", ApprovalChoice.Reject, comment: "not now");

        Assert.Equal("Rejected by owner-bob", ApprovalCards.OutcomeHeadline(h.Process.State));
    }

    [Fact]
    public void For_PendingState_TakesDeadlineAndTallyFromTheState()
    {
        var h = new ProcessHarness(ProcessHarness.Policies);
        h.Run();
        h.Decide("owner-ann");

        CardContext context = CardContext.For(Review, h.Process.State);

        Assert.Equal("act-1", context.ActionId);
        Assert.Equal(h.Process.State.Deadline, context.Deadline);
        Assert.Equal(1, context.Tally.Requirements.Sum(r => r.StillNeeded));
    }

    [Fact]
    public void For_StateBeforeAnyDeadline_UsesWhenTheActionArrived()
    {
        var h = new ProcessHarness(ProcessHarness.Policies);

        Assert.Equal(ProcessHarness.T0, CardContext.For(Review, h.Process.State).Deadline);
    }
}
