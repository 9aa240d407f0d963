using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalFunctions.Tests.Shared;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Tests.Contract;

/// <summary>
/// The Teams bot on both hosts, against a fake Bot Connector on 127.0.0.1 recording every request and a local issuer
/// standing in for the Bot Framework's keys: cards in approvers' chats, <c>Action.Execute</c> presses decided by the
/// process rules and answered with the updated card, forged or misdirected tokens refused, and every card kept current.
/// </summary>
public abstract class TeamsContract(ContractHostBase host)
{
    [Fact]
    public async Task Notify_Approvers_GetTheBotsCardInTheirOneToOneChat()
    {
        (string id, string digest) = await PendingAsync();

        JsonObject card = FakeBotConnector.Card(await CardToAsync(id, Who.Ann));
        await CardToAsync(id, Who.Bob);

        Assert.Contains(host.ObjectIdOf(Who.Ann), host.Teams.ConversationsCreatedWith);
        Assert.Equal("1.5", card["version"]!.GetValue<string>());
        JsonObject approve = Executes(card).Single(a => a["verb"]!.GetValue<string>() == "approve");
        Assert.Equal(id, approve["data"]!["actionId"]!.GetValue<string>());
        Assert.Equal(digest, approve["data"]!["actionDigest"]!.GetValue<string>());
        Assert.Contains(Executes(card), a => a["verb"]!.GetValue<string>() == "reject");
        Assert.Equal("refresh", card["refresh"]!["action"]!["verb"]!.GetValue<string>());
        Assert.Contains(host.ObjectIdOf(Who.Ann), card["refresh"]!["userIds"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.DoesNotContain("hunter2", string.Concat(host.Teams.Requests.Select(r => r.Body)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_ApproveByAnApprover_CountsAndAnswersWithTheUpdatedCard()
    {
        (string id, string digest) = await PendingAsync();
        FakeBotConnector.Activity toBob = await CardToAsync(id, Who.Bob);

        (HttpStatusCode status, JsonObject answer) = await InvokeAsync(Activity(Who.Ann, "approve", id, digest));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(200, answer["statusCode"]!.GetValue<int>());
        Assert.Equal("application/vnd.microsoft.card.adaptive", answer["type"]!.GetValue<string>());
        Assert.DoesNotContain(Executes(answer["value"]!.AsObject()), a => a["verb"]!.GetValue<string>() is "approve" or "reject");
        Assert.Contains("You approved this request", answer.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("released", (await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>()))["outcome"]!.GetValue<string>());
        FakeBotConnector.Activity update = await host.Teams.WaitForAsync(t => t.Activities.FirstOrDefault(a => a.Method == "PUT" && a.ActivityId == toBob.ActivityId), "Bob's card updated");
        Assert.Contains("Approved by Ann Approver", update.Body.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Executes(FakeBotConnector.Card(update)), a => a["verb"]!.GetValue<string>() is "approve" or "reject");
        JsonArray trail = await host.CompletedTrailAsync(id);
        Assert.Equal("teams", trail.Single(r => r!["type"]!.GetValue<string>() == "decision")!["content"]!["channel"]!.GetValue<string>());
    }

    public static TheoryData<string, string> ForgedTokens => new()
    {
        { "unknown-key", "unknown key" },
        { "another-bot", "another audience" },
        { "not-endorsed-for-teams", "not endorsed for msteams" },
        { "another-service", "service URL" },
        { "other-issuer", "another issuer" },
        { "none", "no bearer token" },
    };

    [Theory]
    [MemberData(nameof(ForgedTokens))]
    public async Task Invoke_TokenTheBotMustNotTrust_Is401AndNothingIsDecided(string forgery, string why)
    {
        (string id, string digest) = await PendingAsync();
        using var rogue = RSA.Create(2048);

        string? token = forgery switch
        {
            "unknown-key" => BotToken(key: new RsaSecurityKey(rogue) { KeyId = "rogue" }),
            "another-bot" => BotToken(audience: "9d2c4b1a-0000-4000-8000-000000000001"),
            "not-endorsed-for-teams" => BotToken(key: host.BotFramework.Ec),
            "another-service" => BotToken(serviceUrl: "https://smba.evil.example/"),
            "other-issuer" => BotToken(issuer: "https://sts.evil.example"),
            _ => null,
        };
        (HttpStatusCode status, JsonObject answer) = await InvokeAsync(Activity(Who.Ann, "approve", id, digest), token);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(401, answer["status"]!.GetValue<int>());
        Assert.Contains(why, answer["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("pendingApproval", (await host.GetAsync(Who.Agent, $"/api/actions/{id}")).Text("status"));
    }

    [Fact]
    public async Task Invoke_ByTheRequester_IsRefusedAsSelfApprovalAndAudited()
    {
        (string id, string digest) = await PendingAsync();

        (HttpStatusCode status, JsonObject answer) = await InvokeAsync(Activity(Who.Rita, "approve", id, digest));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Your decision was not taken", answer.ToJsonString(), StringComparison.Ordinal);
        await host.DecideAsync(Who.Ann, id, digest);
        JsonArray trail = await host.CompletedTrailAsync(id);
        JsonNode refused = trail.Single(r => r!["type"]!.GetValue<string>() == "decision-rejected")!;
        Assert.Equal("selfApproval", refused["content"]!["reason"]!.GetValue<string>());
        Assert.Equal("teams", refused["content"]!["channel"]!.GetValue<string>());
    }

    [Fact]
    public async Task Invoke_WithAStaleDigest_IsRefusedAndAudited()
    {
        (string id, string digest) = await PendingAsync();

        (_, JsonObject answer) = await InvokeAsync(Activity(Who.Ann, "approve", id, "sha256:" + new string('0', 64)));

        Assert.Contains("Your decision was not taken", answer.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains(Executes(answer["value"]!.AsObject()), a => a["verb"]!.GetValue<string>() == "approve"); // still Ann's to decide
        await host.DecideAsync(Who.Bob, id, digest);
        JsonArray trail = await host.CompletedTrailAsync(id);
        Assert.Equal("digestMismatch", trail.Single(r => r!["type"]!.GetValue<string>() == "decision-rejected")!["content"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Invoke_RejectWithoutAComment_AsksForOneAndWithOneRejects()
    {
        (string id, string digest) = await PendingAsync();

        (_, JsonObject without) = await InvokeAsync(Activity(Who.Ann, "reject", id, digest));
        (_, JsonObject with) = await InvokeAsync(Activity(Who.Ann, "reject", id, digest, comment: "wrong table"));

        Assert.Contains("A comment is required to reject", without.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("You rejected this request", with.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("rejected", (await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>()))["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Refresh_ShowsEachViewerTheirOwnCard()
    {
        (string id, string digest) = await PendingAsync();

        (_, JsonObject bobBefore) = await InvokeAsync(Activity(Who.Bob, "refresh", id, digest));
        await host.DecideAsync(Who.Ann, id, digest);
        await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());
        (_, JsonObject bobAfter) = await InvokeAsync(Activity(Who.Bob, "refresh", id, digest));
        (_, JsonObject sam) = await InvokeAsync(Activity(Who.Sam, "refresh", id, digest));

        Assert.Contains(Executes(bobBefore["value"]!.AsObject()), a => a["verb"]!.GetValue<string>() == "approve");
        Assert.Contains("Approved by Ann Approver", bobAfter.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Executes(bobAfter["value"]!.AsObject()), a => a["verb"]!.GetValue<string>() is "approve" or "reject");
        Assert.Equal("application/vnd.microsoft.activity.message", sam["type"]!.GetValue<string>());
        Assert.DoesNotContain("Fix 12 rows", sam.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DecisionInSlack_UpdatesEveryTeamsCard()
    {
        (string id, _) = await PendingAsync();
        FakeBotConnector.Activity toAnn = await CardToAsync(id, Who.Ann);
        FakeBotConnector.Activity toBob = await CardToAsync(id, Who.Bob);
        FakeSlack.Call slackToBob = await host.Slack.WaitForAsync(
            s => s.CallsFor("chat.postMessage", id).Where(c => c.Args["channel"]!.GetValue<string>() == "UBOB").LastOrDefault(), "Bob's Slack message");

        using HttpRequestMessage press = FakeSlack.Interaction(host.Slack.Press("UBOB", slackToBob, "approve"), host.Now);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(press)).StatusCode);

        foreach (FakeBotConnector.Activity card in new[] { toAnn, toBob })
        {
            FakeBotConnector.Activity update = await host.Teams.WaitForAsync(t => t.Activities.FirstOrDefault(a => a.Method == "PUT" && a.ActivityId == card.ActivityId),
                "the card updated");
            Assert.Contains("Approved by Bob Approver", update.Body.ToJsonString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Invoke_FromAnotherTenant_Is403()
    {
        (string id, string digest) = await PendingAsync();
        JsonObject activity = Activity(Who.Ann, "approve", id, digest);
        activity["conversation"]!["tenantId"] = "11111111-2222-3333-4444-555555555555";

        (HttpStatusCode status, _) = await InvokeAsync(activity);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("pendingApproval", (await host.GetAsync(Who.Agent, $"/api/actions/{id}")).Text("status"));
    }

    [Fact]
    public async Task Message_OtherThanACardAction_IsAcknowledged()
    {
        var message = new JsonObject
        {
            ["type"] = "message",
            ["id"] = "m1",
            ["serviceUrl"] = host.Teams.ServiceUrl,
            ["text"] = "hello",
            ["from"] = new JsonObject { ["id"] = "29:ann", ["aadObjectId"] = host.ObjectIdOf(Who.Ann) },
            ["conversation"] = new JsonObject { ["id"] = "a:1", ["tenantId"] = host.Entra.TenantId },
        };

        (HttpStatusCode status, _) = await InvokeAsync(message);

        Assert.Equal(HttpStatusCode.OK, status);
    }

    private async Task<(string Id, string Digest)> PendingAsync()
    {
        JsonObject pending = await host.PendingWriteAsync();
        return (pending["id"]!.GetValue<string>(), pending["actionDigest"]!.GetValue<string>());
    }

    /// <summary>The card sent to <paramref name="who"/> about <paramref name="id"/> (in the conversation created with them).</summary>
    private Task<FakeBotConnector.Activity> CardToAsync(string id, Who who) =>
        host.Teams.WaitForAsync(t => t.Activities.FirstOrDefault(a => a.Method == "POST" && a.ConversationId == "a:" + host.ObjectIdOf(who)
            && a.Body.ToJsonString().Contains(id, StringComparison.Ordinal)), $"a card to {who} about {id}");

    private static IEnumerable<JsonObject> Executes(JsonObject card) =>
        (card["actions"]?.AsArray() ?? []).Select(a => a!.AsObject()).Where(a => a["type"]!.GetValue<string>() == "Action.Execute");

    /// <summary>An <c>adaptiveCard/action</c> invoke by <paramref name="who"/>, as Teams sends it.</summary>
    private JsonObject Activity(Who who, string verb, string id, string digest, string? comment = null) => new()
    {
        ["type"] = "invoke",
        ["name"] = "adaptiveCard/action",
        ["id"] = "f:" + Guid.NewGuid().ToString("N"),
        ["channelId"] = "msteams",
        ["serviceUrl"] = host.Teams.ServiceUrl,
        ["from"] = new JsonObject { ["id"] = "29:" + who, ["aadObjectId"] = host.ObjectIdOf(who), ["name"] = ContractWorld.Person(who).Name },
        ["recipient"] = new JsonObject { ["id"] = "28:" + ContractWorld.BotAppId },
        ["conversation"] = new JsonObject { ["id"] = "a:" + host.ObjectIdOf(who), ["conversationType"] = "personal", ["tenantId"] = host.Entra.TenantId },
        ["channelData"] = new JsonObject { ["tenant"] = new JsonObject { ["id"] = host.Entra.TenantId } },
        ["value"] = new JsonObject
        {
            ["action"] = new JsonObject
            {
                ["type"] = "Action.Execute",
                ["verb"] = verb,
                ["data"] = new JsonObject { ["actionId"] = id, ["actionDigest"] = digest, ["comment"] = comment },
            },
            ["trigger"] = verb == "refresh" ? "automatic" : "manual",
        },
    };

    /// <summary>A Bot Connector token as the Bot Framework signs it for this bot and service, unless told otherwise.</summary>
    private string BotToken(SecurityKey? key = null, string audience = ContractWorld.BotAppId, string? serviceUrl = null, string? issuer = null) =>
        host.BotFramework.Token(audience, new Dictionary<string, object> { ["serviceurl"] = serviceUrl ?? host.Teams.ServiceUrl }, host.Now.AddMinutes(-5), host.Now.AddHours(1), key, issuer);

    private async Task<(HttpStatusCode Status, JsonObject Body)> InvokeAsync(JsonObject activity, string? token = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/teams/messages")
        {
            Content = new StringContent(activity.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        token = token == string.Empty ? BotToken() : token;
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        HttpResponseMessage response = await host.Client.SendAsync(request);
        OpenApiCheck.AssertDocumented(HttpMethod.Post, "/api/teams/messages", response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text)!.AsObject() : []);
    }
}
