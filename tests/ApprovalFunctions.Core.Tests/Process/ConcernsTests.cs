using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Tests.Support;

namespace ApprovalFunctions.Core.Tests.Process;

/// <summary>Whom an action concerns: hosts answer everyone else's decisions as if the action did not exist.</summary>
public sealed class ConcernsTests
{
    [Theory]
    [InlineData("owner-ann", true)]      // in the resolved snapshot
    [InlineData("dba-dan", true)]        // in the other requirement
    [InlineData("requester-rita", true)] // the requester: refused as self-approval, and audited
    [InlineData("owner-olga", true)]     // the agent's owner
    [InlineData("mgr-max", true)]        // the requester's manager
    [InlineData("sec-sam", false)]       // in no requirement of this action
    [InlineData("stranger", false)]
    public void Concerns_AfterApproversResolved_TheSnapshotTheRequesterTheOwnerAndManagers(string person, bool concerned)
    {
        var h = new ProcessHarness(ProcessHarness.Policies, requesterManagers: ["mgr-max"]);
        h.Run();

        Assert.Equal(concerned, h.Process.Concerns(new ApproverIdentity(person)));
    }

    [Fact]
    public void Concerns_SomeoneElseWithAnApproversEmail_IsNotConcerned() =>
        Assert.False(Resolved().Process.Concerns(new ApproverIdentity("some-oid", Email: "ann@contoso.com")));

    [Fact]
    public void Concerns_BeforeApproversAreResolved_OnlyTheRequesterAndOwner()
    {
        var h = new ProcessHarness(ProcessHarness.Policies);

        Assert.False(h.Process.Concerns(new ApproverIdentity("owner-ann")));
        Assert.True(h.Process.Concerns(new ApproverIdentity("requester-rita")));
    }

    private static ProcessHarness Resolved()
    {
        var h = new ProcessHarness(ProcessHarness.Policies);
        h.Run();
        return h;
    }
}
