using System.Net;
using System.Text.Json.Nodes;

namespace ApprovalFunctions.Tests.Contract;

/// <summary><c>POST /api/actions/{id}/decisions</c>: the process's rules through HTTP, the same on every host.</summary>
public abstract class DecisionContract(IContractHost host)
{
    [Fact]
    public async Task Decide_ApproverApproves_ActionIsReleasedWithAReceipt()
    {
        JsonObject pending = await host.PendingWriteAsync();
        string id = pending["id"]!.GetValue<string>();

        Answer answer = await host.DecideAsync(Who.Ann, id, pending["actionDigest"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("accepted", answer.Text("verdict"));
        Assert.Equal($"/api/actions/{id}", answer.Text("status"));
        JsonObject released = await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());
        Assert.Equal("released", released["outcome"]!.GetValue<string>());
        Assert.NotNull(released["receipt"]?["jws"]);
    }

    [Fact]
    public async Task Decide_ApproverRejectsWithAComment_ActionIsRejected()
    {
        JsonObject pending = await host.PendingWriteAsync();
        string id = pending["id"]!.GetValue<string>();

        Answer answer = await host.DecideAsync(Who.Bob, id, pending["actionDigest"]!.GetValue<string>(), "reject", "wrong table");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        JsonObject rejected = await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());
        Assert.Equal("rejected", rejected["outcome"]!.GetValue<string>());
        Assert.Null(rejected["receipt"]);
    }

    [Theory]
    [InlineData("maybe", null, "decision")]
    [InlineData("reject", "", "comment")]
    public async Task Decide_InvalidDecision_Is400NamingTheField(string decision, string? comment, string field)
    {
        JsonObject pending = await host.PendingWriteAsync();

        Answer answer = await host.SendAsync(Who.Ann, HttpMethod.Post, $"/api/actions/{pending["id"]}/decisions",
            new JsonObject { ["decision"] = decision, ["comment"] = comment, ["actionDigest"] = pending["actionDigest"]!.GetValue<string>() }.ToJsonString());

        answer.Problem(HttpStatusCode.BadRequest, field: field);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("{\"decision\":")]
    public async Task Decide_BodyThatIsNotAnObject_Is400(string body)
    {
        JsonObject pending = await host.PendingWriteAsync();

        Answer answer = await host.SendAsync(Who.Ann, HttpMethod.Post, $"/api/actions/{pending["id"]}/decisions", body);

        answer.Problem(HttpStatusCode.BadRequest, field: "$");
    }

    [Fact]
    public async Task Decide_DigestOfAnotherAction_Is409DigestMismatch()
    {
        JsonObject pending = await host.PendingWriteAsync();

        Answer answer = await host.DecideAsync(Who.Ann, pending["id"]!.GetValue<string>(), "sha256:" + new string('0', 64));

        answer.Problem(HttpStatusCode.Conflict, reason: "digestMismatch");
    }

    [Fact]
    public async Task Decide_TheRequesterApprovingHerOwnAction_Is403SelfApproval()
    {
        JsonObject pending = await host.PendingWriteAsync();

        Answer answer = await host.DecideAsync(Who.Rita, pending["id"]!.GetValue<string>(), pending["actionDigest"]!.GetValue<string>());

        answer.Problem(HttpStatusCode.Forbidden, reason: "selfApproval");
    }

    [Fact]
    public async Task Decide_SomeoneTheActionDoesNotConcern_IsTheMissingActionAnswer()
    {
        JsonObject pending = await host.PendingWriteAsync();

        Answer answer = await host.DecideAsync(Who.Sam, pending["id"]!.GetValue<string>(), pending["actionDigest"]!.GetValue<string>());

        answer.Problem(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData(Who.Agent)]
    [InlineData(Who.Executor)]
    public async Task Decide_ACallerWithoutTheApproverRole_Is403(Who who)
    {
        JsonObject pending = await host.PendingWriteAsync();

        Answer answer = await host.DecideAsync(who, pending["id"]!.GetValue<string>(), pending["actionDigest"]!.GetValue<string>());

        answer.Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Decide_SameIdempotencyKeyTwice_IsOneDecision()
    {
        JsonObject pending = await host.PendingWriteAsync();
        string id = pending["id"]!.GetValue<string>(), digest = pending["actionDigest"]!.GetValue<string>();
        await host.SendAsync(Who.Agent, HttpMethod.Get, $"/api/actions/{id}"); // nothing changes by reading

        Answer first = await host.DecideAsync(Who.Ann, id, digest, key: "press-1");
        await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());
        Answer again = await host.DecideAsync(Who.Ann, id, digest, key: "press-1");

        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal("duplicate", again.Text("verdict"));
        Assert.Equal(first.Text("decisionId"), again.Text("decisionId"));
    }

    [Fact]
    public async Task Decide_AfterTheActionFinished_Is409NotPending()
    {
        JsonObject pending = await host.PendingWriteAsync();
        string id = pending["id"]!.GetValue<string>(), digest = pending["actionDigest"]!.GetValue<string>();
        await host.DecideAsync(Who.Ann, id, digest);
        await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());

        Answer late = await host.DecideAsync(Who.Bob, id, digest);

        late.Problem(HttpStatusCode.Conflict, reason: "notPending");
    }

    [Fact]
    public async Task Decide_TwoPersonRule_NeedsBothApprovers()
    {
        Answer submitted = await host.SubmitAsync(ContractWorld.Action("iam.grant"), wait: "PT0S");
        string id = submitted.Text("id")!;
        JsonObject pending = await host.StatusWhenAsync(id, s => s["status"]!.GetValue<string>() == "pendingApproval");
        string digest = pending["actionDigest"]!.GetValue<string>();

        await host.DecideAsync(Who.Ann, id, digest);
        JsonObject afterAnn = await host.StatusWhenAsync(id, s => s["approval"]!["requirements"]![0]!["stillNeeded"]!.GetValue<int>() == 1);
        await host.DecideAsync(Who.Bob, id, digest);

        Assert.False(afterAnn["finished"]!.GetValue<bool>());
        Assert.Equal("released", (await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>()))["outcome"]!.GetValue<string>());
    }
}
