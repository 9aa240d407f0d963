using System.Net;
using System.Text.Json.Nodes;
using ApprovalFunctions.Tests.Shared;

namespace ApprovalFunctions.Tests.Contract;

/// <summary>
/// Slack on both hosts, against a fake Slack Web API on 127.0.0.1 that records every request: direct messages built from
/// the reviewer view, signed presses decided by the process rules, refused forgeries and replays, the reject modal,
/// and every message kept in step with the outcome wherever the request was decided.
/// </summary>
public abstract class SlackContract(ContractHostBase host)
{
    [Fact]
    public async Task Notify_ApproversWithSlackAccounts_GetADirectMessageFromTheReviewerViewOnly()
    {
        (string id, string digest) = await PendingAsync();

        FakeSlack.Call toAnn = await MessageAsync(id, Who.Ann);
        await MessageAsync(id, Who.Bob); // linked explicitly (Slack:Users), not by e-mail

        string sent = string.Concat(host.Slack.Requests.Select(r => r.Body));
        Assert.DoesNotContain("hunter2", sent, StringComparison.Ordinal);
        Assert.Contains("Fix 12 rows", toAnn.Body, StringComparison.Ordinal);
        Assert.Contains("Asked: Ann Approver, Bob Approver", toAnn.Body, StringComparison.Ordinal);
        JsonObject value = JsonNode.Parse(Buttons(toAnn).Single(b => b["action_id"]!.GetValue<string>() == "approve")["value"]!.GetValue<string>())!.AsObject();
        Assert.Equal(id, value["a"]!.GetValue<string>());
        Assert.Equal(digest, value["d"]!.GetValue<string>());
        Assert.Contains(Buttons(toAnn), b => b["action_id"]!.GetValue<string>() == "reject");
        Assert.Contains(Buttons(toAnn), b => b["url"]?.GetValue<string>().EndsWith("/portal/review/" + id, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Press_ApproveSignedByAnApprover_CountsAndEveryMessageShowsTheOutcome()
    {
        (string id, _) = await PendingAsync();
        FakeSlack.Call toAnn = await MessageAsync(id, Who.Ann);
        await MessageAsync(id, Who.Bob);

        HttpResponseMessage answer = await SendAsync(host.Slack.Press("UANN", toAnn, "approve"));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        JsonObject done = await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());
        Assert.Equal("released", done["outcome"]!.GetValue<string>());
        IReadOnlyList<FakeSlack.Call> updates = await host.Slack.WaitForAsync(s => s.CallsFor("chat.update", id) is { Count: >= 2 } u ? u : null, "two chat.update calls");
        Assert.All(updates, u =>
        {
            Assert.Contains("Approved by Ann Approver", u.Body, StringComparison.Ordinal);
            Assert.DoesNotContain(Buttons(u), b => b["action_id"]!.GetValue<string>() is "approve" or "reject");
        });
        JsonArray trail = await host.CompletedTrailAsync(id);
        JsonNode decided = trail.Single(r => r!["type"]!.GetValue<string>() == "decision")!;
        Assert.Equal("slack", decided["content"]!["channel"]!.GetValue<string>());
        Assert.Contains(trail.Where(r => r!["type"]!.GetValue<string>() == "notified").SelectMany(r => r!["content"]!["deliveries"]!.AsArray()),
            d => d!["channel"]!.GetValue<string>() == "slack" && d["recipient"]!.GetValue<string>() == host.IdOf(Who.Ann) && d["delivered"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("wrong-secret")]
    [InlineData("old-timestamp")]
    [InlineData("unsigned")]
    public async Task Press_NotSignedBySlack_Is401AndNothingIsDecided(string forgery)
    {
        (string id, _) = await PendingAsync();
        FakeSlack.Call toAnn = await MessageAsync(id, Who.Ann);
        JsonObject payload = host.Slack.Press("UANN", toAnn, "approve");

        HttpResponseMessage answer = forgery switch
        {
            "wrong-secret" => await SendAsync(payload, secret: "not-the-signing-secret-0000000000"),
            "old-timestamp" => await SendAsync(payload, timestamp: host.Now.AddMinutes(-6).ToUnixTimeSeconds()),
            _ => await SendAsync(payload, signature: string.Empty),
        };

        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        Assert.Equal("pendingApproval", (await host.GetAsync(Who.Agent, $"/api/actions/{id}")).Text("status"));
        Assert.DoesNotContain(host.Slack.Responses, r => r.ToJsonString().Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Press_ReplayedWordForWord_IsRefusedTheSecondTime()
    {
        (string id, _) = await PendingAsync();
        FakeSlack.Call toAnn = await MessageAsync(id, Who.Ann);
        JsonObject payload = host.Slack.Press("URITA", toAnn, "approve");
        long timestamp = host.Now.ToUnixTimeSeconds();

        HttpResponseMessage first = await SendAsync(payload, timestamp: timestamp);
        HttpResponseMessage replay = await SendAsync(payload, timestamp: timestamp);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
    }

    [Fact]
    public async Task Press_ByTheRequester_IsRefusedAsSelfApprovalAndAudited()
    {
        (string id, string digest) = await PendingAsync();
        FakeSlack.Call toAnn = await MessageAsync(id, Who.Ann); // the requester is not sent one: she presses on a forwarded copy
        string responseUrl = host.Slack.ResponseUrl().ToString();

        HttpResponseMessage answer = await SendAsync(host.Slack.Press("URITA", toAnn, "approve", responseUrl));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        JsonObject note = await host.Slack.WaitForAsync(s => s.Requests.Where(r => r.Path.EndsWith(new Uri(responseUrl).AbsolutePath, StringComparison.Ordinal))
            .Select(r => JsonNode.Parse(r.Body)!.AsObject()).FirstOrDefault(), "the note to Rita");
        Assert.Equal("ephemeral", note["response_type"]!.GetValue<string>());
        Assert.Contains("not taken", note["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("pendingApproval", (await host.GetAsync(Who.Agent, $"/api/actions/{id}")).Text("status"));

        await host.DecideAsync(Who.Ann, id, digest);
        JsonArray trail = await host.CompletedTrailAsync(id);
        JsonNode refused = trail.Single(r => r!["type"]!.GetValue<string>() == "decision-rejected")!;
        Assert.Equal("selfApproval", refused["content"]!["reason"]!.GetValue<string>());
        Assert.Equal("slack", refused["content"]!["channel"]!.GetValue<string>());
    }

    [Fact]
    public async Task Press_BySlackUserNoDirectoryKnows_DecidesNothingAndLeavesNoTrace()
    {
        (string id, string digest) = await PendingAsync();
        FakeSlack.Call toAnn = await MessageAsync(id, Who.Ann);
        string responseUrl = host.Slack.ResponseUrl().ToString();

        HttpResponseMessage answer = await SendAsync(host.Slack.Press("UEVE", toAnn, "approve", responseUrl));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        JsonObject note = await host.Slack.WaitForAsync(s => s.Requests.Where(r => r.Path.EndsWith(new Uri(responseUrl).AbsolutePath, StringComparison.Ordinal))
            .Select(r => JsonNode.Parse(r.Body)!.AsObject()).FirstOrDefault(), "the note to Eve");
        Assert.Contains("not linked", note["text"]!.GetValue<string>(), StringComparison.Ordinal);
        await host.DecideAsync(Who.Bob, id, digest);
        JsonArray trail = await host.CompletedTrailAsync(id);
        Assert.DoesNotContain(trail, r => r!["type"]!.GetValue<string>() == "decision-rejected");
    }

    [Fact]
    public async Task DecisionInThePortal_UpdatesEverySlackMessageWithoutButtons()
    {
        (string id, string digest) = await PendingAsync();
        await MessageAsync(id, Who.Ann);
        await MessageAsync(id, Who.Bob);

        Assert.Equal(HttpStatusCode.OK, (await host.DecideAsync(Who.Bob, id, digest, "reject", "wrong table")).Status);

        IReadOnlyList<FakeSlack.Call> updates = await host.Slack.WaitForAsync(s => s.CallsFor("chat.update", id) is { Count: >= 2 } u ? u : null, "two chat.update calls");
        Assert.All(updates, u =>
        {
            Assert.Contains("Rejected by Bob Approver", u.Body, StringComparison.Ordinal);
            Assert.DoesNotContain(Buttons(u), b => b["action_id"]!.GetValue<string>() is "approve" or "reject");
        });
        Assert.Equal(2, updates.Select(u => u.Args["channel"]!.GetValue<string>()).Distinct().Count());
    }

    [Fact]
    public async Task Reject_PressOpensTheModalAndTheSubmittedCommentRejects()
    {
        (string id, _) = await PendingAsync();
        FakeSlack.Call toAnn = await MessageAsync(id, Who.Ann);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(host.Slack.Press("UANN", toAnn, "reject"))).StatusCode);
        FakeSlack.Call opened = await host.Slack.WaitForAsync(s => s.CallsFor("views.open", id) is [var first, ..] ? first : null, "views.open");
        HttpResponseMessage empty = await SendAsync(FakeSlack.Submit("UANN", opened, "  "));
        HttpResponseMessage submitted = await SendAsync(FakeSlack.Submit("UANN", opened, "wrong table"));

        JsonObject errors = JsonNode.Parse(await empty.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal("errors", errors["response_action"]!.GetValue<string>());
        Assert.NotNull(errors["errors"]!["comment"]);
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        Assert.Equal(string.Empty, await submitted.Content.ReadAsStringAsync());
        JsonObject done = await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());
        Assert.Equal("rejected", done["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Press_OnARequestDecidedElsewhere_AnswersWithTheCurrentOutcome()
    {
        (string id, string digest) = await PendingAsync();
        FakeSlack.Call toBob = await MessageAsync(id, Who.Bob);
        await host.DecideAsync(Who.Ann, id, digest);
        await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());
        string responseUrl = host.Slack.ResponseUrl().ToString();

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(host.Slack.Press("UBOB", toBob, "approve", responseUrl))).StatusCode);

        JsonObject answer = await host.Slack.WaitForAsync(s => s.Requests.Where(r => r.Path.EndsWith(new Uri(responseUrl).AbsolutePath, StringComparison.Ordinal))
            .Select(r => JsonNode.Parse(r.Body)!.AsObject()).FirstOrDefault(), "the answer to Bob");
        Assert.True(answer["replace_original"]!.GetValue<bool>());
        Assert.Contains("Approved by Ann Approver", answer.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostMessage_ThrottledBySlack_IsRetriedAfterRetryAfter()
    {
        host.Slack.Throttle("chat.postMessage", 1);

        (string id, _) = await PendingAsync();

        await MessageAsync(id, Who.Ann);
        await MessageAsync(id, Who.Bob);
        Assert.Equal(3, host.Slack.Requests.Count(r => r.Path == "/api/chat.postMessage" && r.Body.Contains(id, StringComparison.Ordinal)));
    }

    private async Task<(string Id, string Digest)> PendingAsync()
    {
        JsonObject pending = await host.PendingWriteAsync();
        return (pending["id"]!.GetValue<string>(), pending["actionDigest"]!.GetValue<string>());
    }

    private Task<FakeSlack.Call> MessageAsync(string id, Who who) =>
        host.Slack.WaitForAsync(s => s.CallsFor("chat.postMessage", id).Where(c => c.Args["channel"]!.GetValue<string>() == ContractWorld.SlackUser(who)).LastOrDefault(),
            $"a message to {who} about {id}");

    private static IEnumerable<JsonObject> Buttons(FakeSlack.Call call) =>
        call.Args["blocks"]!.AsArray().Where(b => b!["type"]!.GetValue<string>() == "actions").SelectMany(b => b!["elements"]!.AsArray()).Select(e => e!.AsObject());

    private async Task<HttpResponseMessage> SendAsync(JsonObject payload, string secret = FakeSlack.SigningSecret, string? signature = null, long? timestamp = null)
    {
        using HttpRequestMessage request = FakeSlack.Interaction(payload, host.Now, secret, signature, timestamp);
        HttpResponseMessage response = await host.Client.SendAsync(request);
        OpenApiCheck.AssertDocumented(HttpMethod.Post, "/api/slack/interactions", response.StatusCode);
        return response;
    }
}
