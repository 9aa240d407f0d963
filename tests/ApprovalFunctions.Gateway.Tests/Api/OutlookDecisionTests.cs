using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ApprovalFunctions.Gateway.Tests.Support;
using ApprovalFunctions.Microsoft365.Outlook;
using ApprovalFunctions.Tests.Shared;
using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ApprovalFunctions.Gateway.Tests.Api;

/// <summary>
/// Outlook end to end: the gateway sends actionable messages through (a local) Graph; approvers press the buttons and
/// Outlook posts back with an Entra token from (a local) tenant issuer and the card's own token.
/// </summary>
public sealed partial class OutlookDecisionTests : IAsyncLifetime
{
    private const string AppIdUri = "api://auth-am-6f1e2d3c/9a8b7c6d";
    private const string Mailbox = "approvals@test.dev";
    private LocalOpenIdIssuer _tenant = null!;
    private FakeGraph _graph = null!;
    private FakeBotConnector _teams = null!;
    private LocalOpenIdIssuer _botFramework = null!;
    private GatewayFactory _gateway = null!;

    public async Task InitializeAsync()
    {
        _tenant = await LocalOpenIdIssuer.StartAsync();
        _graph = await FakeGraph.StartAsync();
        _graph.On("POST", $"/v1.0/users/{Mailbox}/sendMail", new FakeGraph.Answer(202));
        _teams = await FakeBotConnector.StartAsync();
        _botFramework = await LocalOpenIdIssuer.StartBotFrameworkAsync();
        _gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            // The Teams bot too: a decision taken in Outlook must reach its cards.
            ["TeamsBot:AppId"] = "0b7f3c1e-2d4a-4e59-8a61-5c3d2e1f0a9b",
            ["TeamsBot:TenantId"] = _tenant.TenantId,
            ["TeamsBot:ServiceUrl"] = _teams.ServiceUrl,
            ["TeamsBot:OpenIdMetadata"] = _botFramework.MetadataAddress,
            ["TeamsBot:Issuer"] = _botFramework.Issuer,
            ["Gateway:PublicBaseUrl"] = "https://approvals.test",
            ["Gateway:IdentitiesPath"] = Path.Combine(AppContext.BaseDirectory, "TestData", "identities-entra.yaml"),
            ["Microsoft365:TenantId"] = _tenant.TenantId,
            ["Microsoft365:ClientId"] = "2c7d9e1f-3a4b-4c5d-8e6f-7a8b9c0d1e2f",
            ["Microsoft365:MetadataAddress"] = _tenant.MetadataAddress,
            ["Microsoft365:GraphBaseUrl"] = _graph.BaseUrl.ToString(),
            ["Microsoft365:Outlook:Mailbox"] = Mailbox,
            ["Microsoft365:Outlook:Originator"] = "prov-7d3a",
            ["Microsoft365:Outlook:AppIdUri"] = AppIdUri,
        }, services: s =>
        {
            s.Replace(ServiceDescriptor.Singleton(FakeGraph.Credential));
            s.AddSingleton(new ApprovalFunctions.Channels.Teams.TeamsBotCredential(FakeBotConnector.Credential));
        });
    }

    public async Task DisposeAsync()
    {
        _gateway.Dispose();
        await _graph.DisposeAsync();
        await _teams.DisposeAsync();
        await _botFramework.DisposeAsync();
        await _tenant.DisposeAsync();
    }

    private string OutlookToken(string email, string app = ActionableMessageTokenValidator.ActionsAppId) => _tenant.Token(AppIdUri, new Dictionary<string, object>
    {
        ["azp"] = app,
        ["oid"] = "oid-" + email.Split('@')[0],
        ["preferred_username"] = email,
        ["name"] = email.Split('@')[0],
    }, notBefore: _gateway.Clock.GetUtcNow().AddMinutes(-5), expires: _gateway.Clock.GetUtcNow().AddHours(1));

    private async Task<(string Id, Dictionary<string, (Uri Approve, Uri Reject, string Token)> Cards)> SubmitAndCollectCardsAsync()
    {
        (_, JsonObject submitted) = await _gateway.Agent().SubmitAsync(Support.Api.ProdWrite, wait: "PT1S");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_graph.Requests.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25);
        }

        var cards = new Dictionary<string, (Uri, Uri, string)>();
        foreach (RecordedRequest mail in _graph.Requests)
        {
            JsonNode message = JsonNode.Parse(mail.Body, new JsonNodeOptions { PropertyNameCaseInsensitive = true })!["message"]!;
            string to = message["toRecipients"]![0]!["emailAddress"]!["address"]!.GetValue<string>();
            JsonNode card = JsonNode.Parse(CardScript().Match(message["body"]!["content"]!.GetValue<string>()).Groups[1].Value)!;
            string token = card["actions"]![0]!["headers"]!.AsArray().Single(h => h!["name"]!.GetValue<string>() == "X-Approvals-Card-Token")!["value"]!.GetValue<string>();
            cards[to] = (new Uri(card["actions"]![0]!["url"]!.GetValue<string>()), new Uri(card["actions"]![1]!["url"]!.GetValue<string>()), token);
        }

        return (submitted.Str("id"), cards);
    }

    private async Task<HttpResponseMessage> PressAsync(Uri button, string outlookToken, string cardToken, string comment = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, button.PathAndQuery) { Content = new StringContent(comment, Encoding.UTF8, "text/plain") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", outlookToken);
        request.Headers.Add("X-Approvals-Card-Token", cardToken);
        request.Headers.Add("Card-Correlation-Id", "corr-1");
        return await _gateway.Anonymous().SendAsync(request);
    }

    private static string? ActionStatus(HttpResponseMessage response) =>
        response.Headers.TryGetValues("CARD-ACTION-STATUS", out IEnumerable<string>? values) ? values.Single() : null;

    [Fact]
    public async Task Submit_ApprovalRequired_SendsEachApproverAnActionableMessage()
    {
        (string id, var cards) = await SubmitAndCollectCardsAsync();

        Assert.Equal(["ann@test.dev", "bob@test.dev"], cards.Keys.Order());
        Assert.Equal($"https://approvals.test/api/outlook/{id}?decision=approve", cards["ann@test.dev"].Approve.ToString());
        Assert.All(_graph.Requests, r => Assert.Equal("Bearer " + FakeGraph.AccessToken, r.Headers["Authorization"]));
        Assert.All(_graph.Requests, r => Assert.DoesNotContain("hunter2", r.Body, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Press_ApproveThenApproveAgain_UpdatesTheCardThenRefusesTheReplay()
    {
        (string id, var cards) = await SubmitAndCollectCardsAsync();
        var ann = cards["ann@test.dev"];

        HttpResponseMessage first = await PressAsync(ann.Approve, OutlookToken("ann@test.dev"), ann.Token, "checked the ticket");
        HttpResponseMessage replay = await PressAsync(ann.Approve, OutlookToken("ann@test.dev"), ann.Token);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("true", first.Headers.GetValues("CARD-UPDATE-IN-BODY").Single());
        JsonNode card = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        Assert.Equal("1.0", card["version"]!.GetValue<string>());
        Assert.Equal("You approved this request. Waiting for the other approvers.", card["body"]![0]!["text"]!.GetValue<string>());
        Assert.DoesNotContain("Action.Http", card.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Contains("already used", ActionStatus(replay), StringComparison.Ordinal);
        JsonObject status = await _gateway.Agent().StatusWhenAsync(id, s => s["approval"]?["requirements"]?[0]?["approvedBy"]?.AsArray().Count == 1);
        Assert.Equal("ann", status["approval"]!["requirements"]![0]!["approvedBy"]![0]!.GetValue<string>()); // oid-ann is Ann of the identities file
    }

    [Fact]
    public async Task Press_DecidedInOutlook_UpdatesTheTeamsBotsCards()
    {
        (string id, var cards) = await SubmitAndCollectCardsAsync();
        FakeBotConnector.Activity[] sent = await _teams.WaitForAsync(t => t.Activities.Where(a => a.Method == "POST" && a.Body.ToJsonString().Contains(id, StringComparison.Ordinal))
            .ToArray() is { Length: 2 } both ? both : null, "two cards");

        await PressAsync(cards["ann@test.dev"].Reject, OutlookToken("ann@test.dev"), cards["ann@test.dev"].Token, "not this week");

        foreach (FakeBotConnector.Activity card in sent)
        {
            FakeBotConnector.Activity update = await _teams.WaitForAsync(t => t.Activities.FirstOrDefault(a => a.Method == "PUT" && a.ActivityId == card.ActivityId), "the card updated");
            Assert.Contains("Rejected by", update.Body.ToJsonString(), StringComparison.Ordinal);
            Assert.DoesNotContain(FakeBotConnector.Card(update)["actions"]!.AsArray(), a => a!["type"]!.GetValue<string>() == "Action.Execute");
        }

        Assert.Equal(["a:oid-ann", "a:oid-bob"], sent.Select(a => a.ConversationId).Order());
    }

    [Fact]
    public async Task Press_BothOwnersApproveInOutlook_ReleasesTheAction()
    {
        (string id, var cards) = await SubmitAndCollectCardsAsync();

        await PressAsync(cards["ann@test.dev"].Approve, OutlookToken("ann@test.dev"), cards["ann@test.dev"].Token);
        HttpResponseMessage last = await PressAsync(cards["bob@test.dev"].Approve, OutlookToken("bob@test.dev"), cards["bob@test.dev"].Token);
        JsonObject status = await _gateway.Agent().StatusWhenAsync(id, s => s.Str("status") == "completed");

        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.Equal("released", status.Str("outcome"));
    }

    [Fact]
    public async Task Press_SomeoneElsesCard_IsRefused()
    {
        (_, var cards) = await SubmitAndCollectCardsAsync();

        HttpResponseMessage response = await PressAsync(cards["bob@test.dev"].Approve, OutlookToken("ann@test.dev"), cards["bob@test.dev"].Token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("This card was sent to someone else.", ActionStatus(response));
    }

    [Fact]
    public async Task Press_TokenNotFromTheActionsService_IsRefused()
    {
        (_, var cards) = await SubmitAndCollectCardsAsync();
        var ann = cards["ann@test.dev"];

        HttpResponseMessage otherApp = await PressAsync(ann.Approve, OutlookToken("ann@test.dev", app: "11111111-2222-3333-4444-555555555555"), ann.Token);
        HttpResponseMessage expired = await PressAsync(ann.Approve, _tenant.Token(AppIdUri, new Dictionary<string, object>
        {
            ["azp"] = ActionableMessageTokenValidator.ActionsAppId, ["oid"] = "oid-ann", ["preferred_username"] = "ann@test.dev",
        }, notBefore: _gateway.Clock.GetUtcNow().AddHours(-3), expires: _gateway.Clock.GetUtcNow().AddHours(-2)), ann.Token);
        HttpResponseMessage stillValid = await PressAsync(ann.Approve, OutlookToken("ann@test.dev"), ann.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, otherApp.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.StartsWith("This action could not be verified", ActionStatus(otherApp), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
    }

    [Fact]
    public async Task Press_RejectWithoutComment_AsksForOneWithoutSpendingTheCard()
    {
        (string id, var cards) = await SubmitAndCollectCardsAsync();
        var bob = cards["bob@test.dev"];

        HttpResponseMessage bare = await PressAsync(bob.Reject, OutlookToken("bob@test.dev"), bob.Token);
        HttpResponseMessage withComment = await PressAsync(bob.Reject, OutlookToken("bob@test.dev"), bob.Token, "not during the freeze");
        JsonObject status = await _gateway.Agent().StatusWhenAsync(id, s => s.Str("status") == "completed");

        Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
        Assert.Equal("A comment is required to reject.", ActionStatus(bare));
        Assert.Equal(HttpStatusCode.OK, withComment.StatusCode);
        Assert.Equal("rejected", status.Str("outcome"));
    }

    [GeneratedRegex("<script type=\"application/adaptivecard\\+json\">(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex CardScript();
}
