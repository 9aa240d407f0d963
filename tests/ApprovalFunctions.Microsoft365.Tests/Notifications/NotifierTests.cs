using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Graph;
using ApprovalFunctions.Microsoft365.Notifications;
using ApprovalFunctions.Microsoft365.Outlook;
using ApprovalFunctions.Tests.Shared;

namespace ApprovalFunctions.Microsoft365.Tests.Notifications;

/// <summary>Outlook and Teams delivery with the real GraphServiceClient against a local Graph that records every request.</summary>
public sealed partial class NotifierTests : IAsyncLifetime
{
    private const string Mailbox = "approvals@contoso.com";
    private const string AnnId = "0b6e2f10-aaaa-4bbb-8ccc-000000000001";
    private const string BobId = "0b6e2f10-aaaa-4bbb-8ccc-000000000002";
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);

    private readonly CardTokens _tokens = new(RandomNumberGenerator.GetBytes(32), new InMemoryCardTokenLedger());
    private FakeGraph _graph = null!;

    public async Task InitializeAsync() => _graph = await FakeGraph.StartAsync();

    public async Task DisposeAsync() => await _graph.DisposeAsync();

    private static ApprovalRequest Request(NotificationKind kind = NotificationKind.Initial)
    {
        const string json = """
            {"type":"db.write.rows","summary":"Fix rows for dana.smith@contoso.com <b>now</b>","requester":{"id":"dana","displayName":"Dana"},
             "target":{"environment":"production"},"data":{"sourceRegion":"westeurope"},"parameters":{"connectionString":"Server=x;Password=hunter2"}}
            """;
        ActionRequest action = ActionParser.Parse(json, ActionLimits.Default).Action!;
        ReviewerView view = new Masker(new MaskingOptions()).Mask(action, null, new AgentIdentity("etl-agent", "olga"));
        var recipients = new[] { new Person(AnnId, "Ann", "ann@contoso.com"), new Person(BobId, "Bob", "bob@contoso.com"), new Person("no-mail", "Nomail") };
        return new ApprovalRequest("act_0123456789abcdefghijklmn", view, new NotificationRound(1, kind, recipients), Now.AddHours(1),
            new ApprovalTally([new RequirementTally(["group:prod-owners"], 2, [], 2)], false),
            new Uri("https://approvals.contoso.com/portal/review/act_0123456789abcdefghijklmn"));
    }

    private OutlookNotifier Outlook(IDeliveryLedger? ledger = null) => new(
        _graph.Client(), _tokens, new OutlookDeliveryOptions { Mailbox = Mailbox, Originator = "provider-guid", AppIdUri = "api://auth-am-x/y" },
        new Uri("https://approvals.contoso.com/"), ledger ?? new InMemoryDeliveryLedger(), TimeProvider.System);

    [Fact]
    public async Task Outlook_SendsEachRecipientAnActionableMessageFromTheMailbox()
    {
        _graph.On("POST", $"/v1.0/users/{Mailbox}/sendMail", new FakeGraph.Answer(202));

        IReadOnlyList<Delivery> deliveries = await Outlook().NotifyAsync(Request(), default);

        Assert.Equal([true, true, false], deliveries.Select(d => d.Delivered));
        Assert.Equal("no e-mail address", deliveries[2].Detail);
        RecordedRequest[] sent = [.. _graph.Requests];
        Assert.Equal(2, sent.Length);
        Assert.All(sent, r => Assert.Equal("Bearer " + FakeGraph.AccessToken, r.Headers["Authorization"]));
        JsonNode message = Json(sent[0].Body)!["message"]!;
        Assert.Equal("ann@contoso.com", message["toRecipients"]![0]!["emailAddress"]!["address"]!.GetValue<string>());
        Assert.Equal("Approval needed: Fix rows for d***@contoso.com <b>now</b>", message["subject"]!.GetValue<string>());
        Assert.False(Json(sent[0].Body)!["saveToSentItems"]!.GetValue<bool>());
        Assert.Equal("html", message["body"]!["contentType"]!.GetValue<string>(), ignoreCase: true);

        string html = message["body"]!["content"]!.GetValue<string>();
        JsonNode card = JsonNode.Parse(CardScript().Match(html).Groups[1].Value)!;
        Assert.Equal("1.0", card["version"]!.GetValue<string>());
        Assert.Equal("provider-guid", card["originator"]!.GetValue<string>());
        Assert.Equal(["ann@contoso.com"], card["expectedActors"]!.AsArray().Select(a => a!.GetValue<string>()));
        string url = card["actions"]![0]!["url"]!.GetValue<string>();
        Assert.Equal("https://approvals.contoso.com/api/outlook/act_0123456789abcdefghijklmn?decision=approve", url);
        string token = card["actions"]![0]!["headers"]!.AsArray().Single(h => h!["name"]!.GetValue<string>() == "X-Approvals-Card-Token")!["value"]!.GetValue<string>();
        Assert.True((await _tokens.UseAsync(token, "act_0123456789abcdefghijklmn", AnnId, "ann@contoso.com", DateTimeOffset.UtcNow, default)).IsValid);
        Assert.False((await _tokens.UseAsync(token, "act_0123456789abcdefghijklmn", "someone-else", "ann@contoso.com", DateTimeOffset.UtcNow, default)).IsValid, "bound to Ann's object id");

        Assert.Contains("Fix rows for d***@contoso.com &lt;b&gt;now&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://approvals.contoso.com/portal/review/act_0123456789abcdefghijklmn\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("dana.smith@contoso.com", html, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", html, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(html, "</script>"));
    }

    [Fact]
    public async Task Outlook_ThrottledWithRetryAfter_RetriesAndDelivers()
    {
        _graph.On("POST", $"/v1.0/users/{Mailbox}/sendMail",
            new FakeGraph.Answer(429, new JsonObject { ["error"] = new JsonObject { ["code"] = "TooManyRequests" } }, new Dictionary<string, string> { ["Retry-After"] = "1" }),
            new FakeGraph.Answer(202));

        IReadOnlyList<Delivery> deliveries = await Outlook().NotifyAsync(Request(), default);

        Assert.True(deliveries[0].Delivered);
        Assert.True(deliveries[1].Delivered);
        Assert.Equal(3, _graph.Requests.Count);
        Assert.Equal(_graph.Requests[0].Body, _graph.Requests[1].Body);
    }

    [Fact]
    public async Task Outlook_Forbidden_IsReportedNotSwallowedAndNotRetried()
    {
        _graph.On("POST", $"/v1.0/users/{Mailbox}/sendMail",
            new FakeGraph.Answer(403, new JsonObject { ["error"] = new JsonObject { ["code"] = "ErrorAccessDenied", ["message"] = "Access is denied." } }));

        IReadOnlyList<Delivery> deliveries = await Outlook().NotifyAsync(Request(), default);

        Assert.False(deliveries[0].Delivered);
        Assert.Equal("graph 403: ErrorAccessDenied Access is denied.", deliveries[0].Detail);
        Assert.Equal(2, _graph.Requests.Count);
    }

    [Fact]
    public async Task Outlook_SameRoundAgain_SendsNothingTwice()
    {
        _graph.On("POST", $"/v1.0/users/{Mailbox}/sendMail", new FakeGraph.Answer(202));
        var ledger = new InMemoryDeliveryLedger();

        await Outlook(ledger).NotifyAsync(Request(), default);
        IReadOnlyList<Delivery> again = await Outlook(ledger).NotifyAsync(Request(), default);

        Assert.Equal(2, _graph.Requests.Count);
        Assert.Equal("sent before", again[0].Detail);
        Assert.True(again[0].Delivered);
    }

    [Theory]
    [InlineData(NotificationKind.Reminder, "Reminder: approval needed: ")]
    [InlineData(NotificationKind.Escalation, "Escalated: approval needed: ")]
    public async Task Outlook_RemindersAndEscalations_SaySoInTheSubject(NotificationKind kind, string prefix)
    {
        _graph.On("POST", $"/v1.0/users/{Mailbox}/sendMail", new FakeGraph.Answer(202));

        await Outlook().NotifyAsync(Request(kind), default);

        Assert.StartsWith(prefix, Json(_graph.Requests[0].Body)!["message"]!["subject"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Teams_SendsAnActivityNotificationWithADeepLinkToEachEntraUser()
    {
        _graph.On("POST", $"/v1.0/users/{AnnId}/teamwork/sendActivityNotification", new FakeGraph.Answer(204));
        _graph.On("POST", $"/v1.0/users/{BobId}/teamwork/sendActivityNotification", new FakeGraph.Answer(500), new FakeGraph.Answer(204));
        var teams = new TeamsActivityNotifier(_graph.Client(), new TeamsDeliveryOptions { ActivityFeed = true }, new InMemoryDeliveryLedger());

        IReadOnlyList<Delivery> deliveries = await teams.NotifyAsync(Request(), default);

        Assert.Equal([true, true, false], deliveries.Select(d => d.Delivered));
        Assert.Equal("not an Entra user id", deliveries[2].Detail);
        JsonNode body = Json(_graph.Requests[0].Body)!;
        Assert.Equal("systemDefault", body["activityType"]!.GetValue<string>());
        Assert.Equal("https://approvals.contoso.com/portal/review/act_0123456789abcdefghijklmn", body["topic"]!["webUrl"]!.GetValue<string>());
        Assert.Equal("text", body["topic"]!["source"]!.GetValue<string>());
        Assert.Equal("systemDefaultText", body["templateParameters"]![0]!["name"]!.GetValue<string>());
        Assert.DoesNotContain("dana.smith@contoso.com", _graph.Requests[0].Body, StringComparison.Ordinal);
        Assert.Equal(3, _graph.Requests.Count);
    }

    [Fact]
    public async Task Workflow_PostsTheTeamsCardToTheChannelOncePerRound()
    {
        await using LocalHttpServer webhook = await LocalHttpServer.StartAsync((context, _) =>
        {
            context.Response.StatusCode = (int)HttpStatusCode.Accepted;
            return Task.CompletedTask;
        });
        using var http = new HttpClient(new RetryAfterHandler { InnerHandler = new HttpClientHandler() });
        var ledger = new InMemoryDeliveryLedger();
        var notifier = new TeamsWorkflowNotifier(http, new Uri(webhook.BaseAddress, "workflows/abc"), ledger);

        IReadOnlyList<Delivery> first = await notifier.NotifyAsync(Request(), default);
        await notifier.NotifyAsync(Request(), default);

        Delivery delivery = Assert.Single(first);
        Assert.True(delivery.Delivered);
        RecordedRequest post = Assert.Single(webhook.Requests);
        JsonNode attachment = JsonNode.Parse(post.Body)!["attachments"]![0]!;
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment["contentType"]!.GetValue<string>());
        Assert.Equal("1.5", attachment["content"]!["version"]!.GetValue<string>());
    }

    // Graph accepts property names in any case; the SDK writes some in PascalCase ("Message", "SaveToSentItems").
    private static JsonNode Json(string body) => JsonNode.Parse(body, new JsonNodeOptions { PropertyNameCaseInsensitive = true })!;

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;

    [GeneratedRegex("<script type=\"application/adaptivecard\\+json\">(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex CardScript();
}
