using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.FunctionApp.Http;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.FunctionApp.Tests.Support;
using ApprovalFunctions.Microsoft365.Identity;

namespace ApprovalFunctions.FunctionApp.Tests.Http;

/// <summary>What the HTTP functions answer for an action in a given state, from the orchestration's input and custom status.</summary>
public sealed class ActionResponsesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private const string Write = """{"type":"db.write.rows","summary":"Fix rows for jane@contoso.com","data":{"sourceRegion":"westeurope"}}""";
    private const string Policy = """
        policy: responses
        defaults: { effect: requireApproval, approval: { approvers: ["group:dba"], minApprovals: 1, timeout: PT1H } }
        """;

    private static readonly TokenCaller Agent = new("agent-etl", null, null, null, "owner-olga", new HashSet<string> { TokenCallers.Agent });
    private static readonly TokenCaller Dan = new("dba-dan", "Dan", "dan@contoso.com", "mfa", null, new HashSet<string> { TokenCallers.Approver });
    private static readonly TokenCaller Eve = new("eve", "Eve", "eve@contoso.com", "mfa", null, new HashSet<string> { TokenCallers.Approver });
    private static readonly TokenCaller Auditor = new("aud", null, null, null, null, new HashSet<string> { TokenCallers.Auditor });

    private readonly ActionResponses _responses = new(new PublicLinks(new Uri("https://approvals.example")), new Masker(new MaskingOptions()));

    [Fact]
    public void Decide_EligibleApprover_IsAcceptedAndRaised()
    {
        DecisionAnswer answer = ActionResponses.Decide(Pending(), Dan, Body("approve"), "key-1", "portal", T0);

        Assert.Equal(200, answer.Status);
        Assert.Equal(VerdictKind.Accepted, answer.Verdict!.Kind);
        Assert.Equal("dba-dan", answer.Event!.Approver.Id);
        Assert.Equal("portal", answer.Event.Channel);
    }

    [Fact]
    public void Decide_SameIdempotencyKey_GivesTheSameDecisionId()
    {
        DecisionAnswer first = ActionResponses.Decide(Pending(), Dan, Body("approve"), "key-1", "portal", T0);
        DecisionAnswer second = ActionResponses.Decide(Pending(), Dan, Body("approve"), "key-1", "portal", T0.AddSeconds(3));

        Assert.Equal(first.Event!.DecisionId, second.Event!.DecisionId);
    }

    [Fact]
    public void Decide_AlreadyCountedDecision_IsADuplicateAndRaisesNothing()
    {
        ProcessView view = Pending();
        DecisionAnswer first = ActionResponses.Decide(view, Dan, Body("approve"), "key-1", "portal", T0);
        ProcessView after = view with { State = ApprovalProcess.FromState(view.State).Apply(first.Event!).State };

        DecisionAnswer again = ActionResponses.Decide(after, Dan, Body("approve"), "key-1", "portal", T0);

        Assert.Equal(VerdictKind.Duplicate, again.Verdict!.Kind);
        Assert.Null(again.Event);
    }

    [Fact]
    public void Decide_SomeoneTheActionDoesNotConcern_Is404AndNothingReachesTheProcess()
    {
        DecisionAnswer answer = ActionResponses.Decide(Pending(), Eve, Body("approve"), null, "api", T0);

        Assert.Equal(404, answer.Status);
        Assert.Null(answer.Verdict);
        Assert.Null(answer.Event);
    }

    [Fact]
    public void Decide_DigestOfAnotherAction_IsRefused()
    {
        DecisionAnswer answer = ActionResponses.Decide(Pending(), Dan, new DecisionBody("approve", null, "sha256:" + new string('0', 64)), null, "api", T0);

        Assert.Equal(VerdictKind.Refused, answer.Verdict!.Kind);
        Assert.Equal(409, answer.Status);
    }

    [Theory]
    [InlineData("reject", null, 400)]
    [InlineData("maybe", null, 400)]
    public void Decide_InvalidInput_Is400AndRaisesNothing(string decision, string? comment, int status)
    {
        DecisionAnswer answer = ActionResponses.Decide(Pending(), Dan, new DecisionBody(decision, comment, Digest), null, "api", T0);

        Assert.Equal(status, answer.Status);
        Assert.Null(answer.Event);
        Assert.Null(answer.Verdict);
    }

    [Fact]
    public void Decide_FinishedOrStartingInstance_RaisesNothing()
    {
        ProcessView pending = Pending();

        DecisionAnswer finished = ActionResponses.Decide(pending with { Running = false, Finished = true }, Dan, Body("approve"), null, "api", T0);
        DecisionAnswer starting = ActionResponses.Decide(pending with { Running = false, Finished = false }, Dan, Body("approve"), null, "api", T0);

        Assert.Equal((409, 503), (finished.Status, starting.Status));
        Assert.Null(finished.Event);
        Assert.Null(starting.Event);
    }

    [Fact]
    public void Pending_OnlyForThoseTheProcessAwaits()
    {
        ProcessView view = Pending();

        Assert.NotNull(_responses.Pending(view, Dan));
        Assert.Null(_responses.Pending(view, Eve));
        Assert.DoesNotContain("jane@contoso.com", _responses.Pending(view, Dan)!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Decided_AfterDansApproval_ListsItForDanOnly()
    {
        ProcessView view = Pending();
        DecisionAnswer answer = ActionResponses.Decide(view, Dan, Body("approve"), null, "api", T0);
        ProcessView after = view with { State = ApprovalProcess.FromState(view.State).Apply(answer.Event!).State };

        (System.Text.Json.Nodes.JsonObject item, DateTimeOffset at) = _responses.Decided(after, Dan)!.Value;

        Assert.Equal("approve", item["choice"]!.GetValue<string>());
        Assert.Equal(T0, at);
        Assert.Null(_responses.Decided(after, Eve));
    }

    [Fact]
    public void Status_TheAgentGetsNoReviewerViewAndOthersGetTheMaskedOne()
    {
        ProcessView view = Pending();

        string agent = _responses.Status(view, Agent).ToJsonString();
        string approver = _responses.Status(view, Dan).ToJsonString();

        Assert.DoesNotContain("\"review\":{", agent, StringComparison.Ordinal);
        Assert.Contains("\"review\":{", approver, StringComparison.Ordinal);
        Assert.DoesNotContain("jane@contoso.com", approver, StringComparison.Ordinal);
    }

    [Fact]
    public void VisibleTo_StrangersDoNotSeeTheAction()
    {
        ProcessView view = Pending();
        var otherAgent = new TokenCaller("agent-other", null, null, null, null, new HashSet<string> { TokenCallers.Agent });

        Assert.True(view.VisibleTo(Agent));
        Assert.True(view.VisibleTo(Dan));
        Assert.True(view.VisibleTo(Auditor));
        Assert.False(view.VisibleTo(Eve));
        Assert.False(view.VisibleTo(otherAgent));
    }

    [Fact]
    public void Status_WhileADependencyIsOut_SaysWhatItWaitsForWithoutTheError()
    {
        ProcessView view = Pending() with { Outage = new OutageStatus("NotifyApprovers", T0, T0.AddMinutes(2), 3, "Graph said: secret detail") };

        System.Text.Json.Nodes.JsonObject status = _responses.Status(view, Agent);

        Assert.Equal("NotifyApprovers", status["waitingFor"]!["step"]!.GetValue<string>());
        Assert.Equal(3, status["waitingFor"]!["rounds"]!.GetValue<int>());
        Assert.DoesNotContain("secret detail", status.ToJsonString(), StringComparison.Ordinal);
        Assert.Null(_responses.Status(Pending(), Agent)["waitingFor"]);
    }

    private static string Digest => ActionParser.Parse(Write).Action!.Digest;

    private static DecisionBody Body(string decision) => new(decision, decision == "reject" ? "no" : null, Digest);

    /// <summary>The action waiting for Dan, as the orchestration's input and custom status describe it.</summary>
    private static ProcessView Pending()
    {
        ApprovalProcess process = TestProcesses.AwaitingDan("act_1", Write, Policy, T0);
        var input = new ApprovalInput("act_1", Write, "agent-etl", "owner-olga", null, "westeurope", T0);
        var snapshot = new StatusSnapshot(Core.Json.CoreJson.Serialize(process.State with { PendingAudit = [] }), null);
        return ProcessView.From(input, snapshot, running: true, finished: false);
    }
}
