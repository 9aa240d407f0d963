using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Api;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Tests.Support;

namespace ApprovalFunctions.Core.Tests.Api;

public class ActionDocumentsTests
{
    private const string Policy = """
        policy: p
        defaults: { effect: requireApproval, approval: { approvers: ["group:prod-owners"], minApprovals: 2, timeout: PT1H } }
        rules: []
        """;

    [Fact]
    public void Status_PendingApproval_ShowsPlanTallyAwaitingAndLinksButNoReceiptOrReviewUnlessGiven()
    {
        var harness = new ProcessHarness(Policy);
        harness.Run(s => s is AwaitDecisionStep);
        harness.Decide("owner-ann");
        harness.Run(s => s is AwaitDecisionStep);

        JsonObject status = ActionDocuments.Status(harness.Process.State, finished: false, new Uri("https://gw/portal/review/act-1"), null, null);

        Assert.Equal("act-1", status["id"]!.GetValue<string>());
        Assert.Equal("pendingApproval", status["status"]!.GetValue<string>());
        Assert.Equal("2026-11-21T11:00:00.0000000Z", status["approval"]!["deadline"]!.GetValue<string>());
        JsonNode requirement = status["approval"]!["requirements"]![0]!;
        Assert.Equal(["owner-ann"], requirement["approvedBy"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(1, requirement["stillNeeded"]!.GetValue<int>());
        Assert.Equal(["owner-bob"], status["approval"]!["awaiting"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()));
        Assert.Equal("/api/actions/act-1", status["links"]!["self"]!.GetValue<string>());
        Assert.Null(status["receipt"]);
        Assert.Null(status["review"]);
    }

    [Fact]
    public void Status_WithReceiptAndReview_IncludesBoth()
    {
        var harness = new ProcessHarness(Policy);
        var receipt = new ReceiptReference("rcpt-9", ProcessHarness.T0.AddMinutes(15), "eyJ.x.y");

        JsonObject status = ActionDocuments.Status(harness.Process.State, false, new Uri("https://gw/portal/review/act-1"), receipt, """{"masked":[]}""");

        Assert.Equal("rcpt-9", status["receipt"]!["id"]!.GetValue<string>());
        Assert.Equal("2026-11-21T10:15:00.0000000Z", status["receipt"]!["expiresAt"]!.GetValue<string>());
        Assert.NotNull(status["review"]!["masked"]);
    }

    [Theory]
    [InlineData("maybe", null, "sha256:x", "decision")]
    [InlineData("approve", null, " ", "actionDigest")]
    [InlineData("reject", "  ", "sha256:x", "comment")]
    [InlineData("approve", null, "sha256:x", null)]
    [InlineData("reject", "not now", "sha256:x", null)]
    public void DecisionInput_Validate_NamesTheField(string decision, string? comment, string digest, string? field) =>
        Assert.Equal(field, DecisionInput.Validate(decision, comment, digest)?.Field);

    [Fact]
    public void DecisionInput_LongComment_IsRefused() =>
        Assert.Equal("comment", DecisionInput.Validate("approve", new string('x', 2001), "sha256:x")?.Field);

    [Fact]
    public void DerivedIds_SameInputs_SameIdsOtherwiseDifferent()
    {
        Assert.Equal(DerivedIds.Action("agent", "key-1"), DerivedIds.Action("agent", "key-1"));
        Assert.NotEqual(DerivedIds.Action("agent", "key-1"), DerivedIds.Action("agent", "key-2"));
        Assert.NotEqual(DerivedIds.Action("agent", "key-1"), DerivedIds.Action("other", "key-1"));
        Assert.True(Core.Audit.ActionIds.IsValid(DerivedIds.Action("agent", "key-1")));
        Assert.Matches("^act_[0-9a-z]{24}$", DerivedIds.Action("agent", "key-1"));
        Assert.Equal(DerivedIds.Decision("ann", "k"), DerivedIds.Decision("ann", "k"));
        Assert.NotEqual(DerivedIds.Decision("ann", "k"), DerivedIds.Decision("bob", "k"));
    }
}
