using System.Net;
using System.Text.Json.Nodes;

namespace ApprovalFunctions.Tests.Contract;

/// <summary><c>GET /api/approvals</c>: an approver's inbox and history, the same on every host.</summary>
public abstract class InboxContract(IContractHost host)
{
    [Fact]
    public async Task Inbox_Pending_ListsTheActionForItsApproversOnly()
    {
        string id = (await host.PendingWriteAsync())["id"]!.GetValue<string>();

        Answer ann = await host.GetAsync(Who.Ann, "/api/approvals?status=pending&limit=500");
        Answer sam = await host.GetAsync(Who.Sam, "/api/approvals");

        Assert.Equal(HttpStatusCode.OK, ann.Status);
        JsonNode entry = ann.Body["items"]!.AsArray().Single(i => i!["id"]!.GetValue<string>() == id)!;
        Assert.Equal(1, entry["stillNeeded"]!.GetValue<int>());
        Assert.Equal($"/api/actions/{id}", entry["links"]!["self"]!.GetValue<string>());
        Assert.DoesNotContain("hunter2", entry["review"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(sam.Body["items"]!.AsArray(), i => i!["id"]!.GetValue<string>() == id);
    }

    [Fact]
    public async Task Inbox_Decided_ListsWhatTheApproverDecidedMostRecentFirst()
    {
        JsonObject first = await host.PendingWriteAsync();
        JsonObject second = await host.PendingWriteAsync();
        await host.DecideAsync(Who.Bob, first["id"]!.GetValue<string>(), first["actionDigest"]!.GetValue<string>(), "reject", "no");
        await host.StatusWhenAsync(first["id"]!.GetValue<string>(), s => s["finished"]!.GetValue<bool>());
        await host.LetTimePassAsync(TimeSpan.FromMilliseconds(50));
        await host.DecideAsync(Who.Bob, second["id"]!.GetValue<string>(), second["actionDigest"]!.GetValue<string>());
        await host.StatusWhenAsync(second["id"]!.GetValue<string>(), s => s["finished"]!.GetValue<bool>());

        Answer bob = await host.GetAsync(Who.Bob, "/api/approvals?status=decided");
        Answer ann = await host.GetAsync(Who.Ann, "/api/approvals?status=decided");

        Assert.Equal(HttpStatusCode.OK, bob.Status);
        string[] ids = [first["id"]!.GetValue<string>(), second["id"]!.GetValue<string>()];
        List<JsonNode> mine = [.. bob.Body["items"]!.AsArray().OfType<JsonNode>().Where(i => ids.Contains(i["id"]!.GetValue<string>()))];
        Assert.Equal([second["id"]!.GetValue<string>(), first["id"]!.GetValue<string>()], mine.Select(i => i["id"]!.GetValue<string>()));
        Assert.Equal(["approve", "reject"], mine.Select(i => i["choice"]!.GetValue<string>()));
        Assert.Equal(["released", "rejected"], mine.Select(i => i["outcome"]!.GetValue<string>()));
        Assert.DoesNotContain(ann.Body["items"]!.AsArray(), i => i!["id"]!.GetValue<string>() == first["id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("status=everything", "status")]
    [InlineData("limit=ten", "limit")]
    public async Task Inbox_BadQuery_Is400NamingTheParameter(string query, string field)
    {
        Answer answer = await host.GetAsync(Who.Ann, "/api/approvals?" + query);

        answer.Problem(HttpStatusCode.BadRequest, field: field);
    }

    [Fact]
    public async Task Inbox_ForAnAgent_Is403()
    {
        Answer answer = await host.GetAsync(Who.Agent, "/api/approvals");

        answer.Problem(HttpStatusCode.Forbidden);
    }
}
