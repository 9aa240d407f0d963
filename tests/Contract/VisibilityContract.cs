using System.Net;
using System.Text.Json.Nodes;

namespace ApprovalFunctions.Tests.Contract;

/// <summary>Status, card and audit: who sees an action and what each of them sees, the same on every host.</summary>
public abstract class VisibilityContract(IContractHost host)
{
    [Fact]
    public async Task Status_ApproverSeesTheMaskedReviewAndTheAgentDoesNot()
    {
        JsonObject pending = await host.PendingWriteAsync();
        string id = pending["id"]!.GetValue<string>();

        Answer asAnn = await host.GetAsync(Who.Ann, $"/api/actions/{id}");

        Assert.Equal(HttpStatusCode.OK, asAnn.Status);
        string review = asAnn.Body["review"]!.ToJsonString();
        Assert.DoesNotContain("hunter2", review, StringComparison.Ordinal);
        Assert.Contains("connectionString", review, StringComparison.Ordinal);
        Assert.Null(pending["review"]);
        Assert.Null(asAnn.Body["receipt"]);
        Assert.EndsWith($"/portal/review/{id}", asAnn.Text("links.review"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Who.Sam)]
    [InlineData(Who.OtherAgent)]
    [InlineData(Who.Executor)]
    public async Task Status_SomeoneTheActionDoesNotConcern_GetsTheMissingActionAnswer(Who who)
    {
        string id = (await host.PendingWriteAsync())["id"]!.GetValue<string>();

        Answer theirs = await host.GetAsync(who, $"/api/actions/{id}");
        Answer missing = await host.GetAsync(who, "/api/actions/act_000000000000000000000000");

        theirs.Problem(HttpStatusCode.NotFound);
        missing.Problem(HttpStatusCode.NotFound);
        Assert.Equal(missing.Body["title"]!.GetValue<string>(), theirs.Body["title"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("act_000000000000000000000000")]
    [InlineData("not%20an%20id")]
    public async Task Status_MissingOrMalformedId_Is404Problem(string id)
    {
        Answer answer = await host.GetAsync(Who.Auditor, $"/api/actions/{id}");

        answer.Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Status_AuditorSeesTheReviewAndTheReceipt()
    {
        Answer released = await host.SubmitAsync(ContractWorld.Action("crm.contact.read"), wait: "PT30S");

        Answer asAuditor = await host.GetAsync(Who.Auditor, $"/api/actions/{released.Text("id")}");

        Assert.Equal(HttpStatusCode.OK, asAuditor.Status);
        Assert.NotNull(asAuditor.Body["receipt"]);
        Assert.NotNull(asAuditor.Body["review"]);
    }

    [Fact]
    public async Task Card_ApproverGetsTheAdaptiveCardAndAStrangerDoesNot()
    {
        string id = (await host.PendingWriteAsync())["id"]!.GetValue<string>();

        Answer card = await host.GetAsync(Who.Bob, $"/api/actions/{id}/card");
        Answer stranger = await host.GetAsync(Who.Sam, $"/api/actions/{id}/card");

        Assert.Equal(HttpStatusCode.OK, card.Status);
        Assert.Equal("AdaptiveCard", card.Text("type"));
        Assert.DoesNotContain("hunter2", card.Body.ToJsonString(), StringComparison.Ordinal);
        stranger.Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Audit_AuditorGetsRecordsAndOthersATimeline()
    {
        Answer released = await host.SubmitAsync(ContractWorld.Action("crm.contact.read"), wait: "PT30S");
        string id = released.Text("id")!;

        JsonObject records = await AuditWhenAsync(Who.Auditor, id, "records", "completed");
        JsonObject timeline = await AuditWhenAsync(Who.Agent, id, "timeline", "completed");
        Answer stranger = await host.GetAsync(Who.Sam, $"/api/actions/{id}/audit");

        Assert.Equal(ContractWorld.Region, records["region"]!.GetValue<string>());
        Assert.Contains(records["records"]!.AsArray(), r => r!["type"]!.GetValue<string>() == "received" && r["hash"] is not null);
        Assert.All(timeline["timeline"]!.AsArray(), t => Assert.Null(t!["content"]));
        Assert.Contains(timeline["timeline"]!.AsArray(), t => t!["summary"]!.GetValue<string>().StartsWith("released", StringComparison.Ordinal));
        stranger.Problem(HttpStatusCode.NotFound);
    }

    /// <summary>The audit document once its <paramref name="member"/> has a record of <paramref name="type"/> (writers are asynchronous).</summary>
    private async Task<JsonObject> AuditWhenAsync(Who who, string id, string member, string type)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            Answer answer = await host.GetAsync(who, $"/api/actions/{id}/audit");
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            if (answer.Body[member]!.AsArray().Any(r => r!["type"]!.GetValue<string>() == type))
            {
                return answer.Body;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{host.Name}: no {type} record in 20 s: {answer.Body}");
            await Task.Delay(50);
        }
    }
}
