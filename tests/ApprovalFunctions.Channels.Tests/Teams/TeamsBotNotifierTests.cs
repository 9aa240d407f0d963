using System.Text.Json.Nodes;
using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Channels.Teams;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Notifications;
using ApprovalFunctions.Tests.Shared;

namespace ApprovalFunctions.Channels.Tests.Teams;

public sealed class TeamsBotNotifierTests : IAsyncLifetime
{
    private static readonly Person Ann = new("7d1c9a2e-0000-4000-8000-00000000a001", "Ann", "ann@contoso.test");
    private static readonly Person Bob = new("7d1c9a2e-0000-4000-8000-00000000b002", "Bob", "bob@contoso.test");
    private readonly InMemoryDeliveryLedger _ledger = new();
    private readonly InMemoryPostedMessages _messages = new();
    private FakeBotConnector _connector = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _connector = await FakeBotConnector.StartAsync();
        _http = new HttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _connector.DisposeAsync();
    }

    [Fact]
    public async Task Notify_SameRoundTwice_SendsOneCardPerRecipientInTheirChat()
    {
        TeamsBotNotifier notifier = Notifier();

        IReadOnlyList<Delivery> first = await notifier.NotifyAsync(Request(Ann, Bob), CancellationToken.None);
        IReadOnlyList<Delivery> again = await notifier.NotifyAsync(Request(Ann, Bob), CancellationToken.None);

        Assert.Equal(["sent", "sent"], first.Select(d => d.Detail));
        Assert.Equal(["sent before", "sent before"], again.Select(d => d.Detail));
        Assert.Equal([Ann.Id, Bob.Id], _connector.ConversationsCreatedWith.Order());
        Assert.Equal(2, _connector.Activities.Count(a => a.Method == "POST"));
        JsonObject created = JsonNode.Parse(_connector.Requests.First(r => r.Path == "/v3/conversations").Body)!.AsObject();
        Assert.Equal("28:" + Options().AppId, created["bot"]!["id"]!.GetValue<string>());
        Assert.Equal(Options().TenantId, created["tenantId"]!.GetValue<string>());
        Assert.All(_connector.Requests, r => Assert.Equal("Bearer " + FakeBotConnector.BotToken, r.Headers["Authorization"]));
    }

    [Fact]
    public async Task Notify_UserWithoutTheApp_IsAnUndeliveredDeliveryNamingWhy()
    {
        _connector.NotInstalled[Bob.Id] = true;

        IReadOnlyList<Delivery> deliveries = await Notifier().NotifyAsync(Request(Ann, Bob), CancellationToken.None);

        Assert.True(deliveries.Single(d => d.RecipientId == Ann.Id).Delivered);
        Delivery bob = deliveries.Single(d => d.RecipientId == Bob.Id);
        Assert.False(bob.Delivered);
        Assert.Contains("BotNotInConversationRoster", bob.Detail, StringComparison.Ordinal);
        Assert.False(await _ledger.WasDeliveredAsync(DeliveryKeys.For("act_1", 1, TeamsBotNotifier.Name, Bob.Id), CancellationToken.None));
    }

    [Fact]
    public async Task Notify_WithAChannel_PostsTheCardThereWithEveryRecipientRefreshing()
    {
        TeamsBotOptions options = Options();
        options.ChannelConversationId = "19:approvals@thread.tacv2";

        IReadOnlyList<Delivery> deliveries = await Notifier(options).NotifyAsync(Request(Ann, Bob), CancellationToken.None);

        Assert.Contains(deliveries, d => d.RecipientId == TeamsBotNotifier.ChannelRecipient && d.Delivered);
        FakeBotConnector.Activity channel = _connector.Activities.Single(a => a.ConversationId == "19:approvals@thread.tacv2");
        Assert.Equal([Ann.Id, Bob.Id], FakeBotConnector.Card(channel)["refresh"]!["userIds"]!.AsArray().Select(u => u!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task Update_EveryPostedCard_GetsTheOutcomeWithoutButtons()
    {
        TeamsBotNotifier notifier = Notifier();
        await notifier.NotifyAsync(Request(Ann, Bob), CancellationToken.None);
        IReadOnlyList<PostedMessage> posted = await _messages.ListAsync("act_1", CancellationToken.None);
        PostedMessage elsewhere = posted[0] with { Address = new TeamsMessageRef("https://smba.evil.example/", "a:x", "1:9").ToJson() };

        IReadOnlyList<PostedMessage> done = await notifier.UpdateAsync(Outcome(), [elsewhere, posted[1]], CancellationToken.None);

        Assert.Equal(2, done.Count); // the one sent through another service is given up, never called
        FakeBotConnector.Activity update = Assert.Single(_connector.Activities, a => a.Method == "PUT");
        Assert.Contains("Approved by Ann", update.Body.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(FakeBotConnector.Card(update)["actions"]!.AsArray(), a => a!["type"]!.GetValue<string>() == "Action.Execute");
    }

    [Theory]
    [InlineData("not-a-guid", "TeamsBot:AppId")]
    [InlineData(null, "TeamsBot:TenantId")]
    public void Options_Invalid_AreNamed(string? appId, string setting)
    {
        var options = new TeamsBotOptions { AppId = appId ?? "0b7f3c1e-2d4a-4e59-8a61-5c3d2e1f0a9b", TenantId = appId is null ? "contoso" : "3f7c2a9e-5b1d-4c8e-9a6f-0d2b4e6a8c1f" };

        Assert.Contains(options.Validate(), f => f.StartsWith(setting, StringComparison.Ordinal));
    }

    [Fact]
    public void Options_PlainHttpServiceUrl_IsRefused()
    {
        TeamsBotOptions options = Options();
        options.ServiceUrl = "http://smba.example/";

        Assert.Contains(options.Validate(), f => f.StartsWith("TeamsBot:ServiceUrl", StringComparison.Ordinal));
    }

    private TeamsBotOptions Options() => new()
    {
        AppId = "0b7f3c1e-2d4a-4e59-8a61-5c3d2e1f0a9b",
        TenantId = "3f7c2a9e-5b1d-4c8e-9a6f-0d2b4e6a8c1f",
        ServiceUrl = _connector.ServiceUrl,
    };

    private TeamsBotNotifier Notifier(TeamsBotOptions? options = null)
    {
        options ??= Options();
        return new TeamsBotNotifier(new BotConnector(_http, new TeamsBotCredential(FakeBotConnector.Credential), options), TeamsPeople.Entra, options, _ledger, _messages);
    }

    private static ReviewerView View() =>
        new Masker(new MaskingOptions()).Mask(ActionParser.Parse(new JsonObject { ["type"] = "db.write.rows", ["summary"] = "Fix rows" }.ToJsonString()).Action!, null);

    private static ApprovalRequest Request(params Person[] recipients) =>
        new("act_1", View(), new NotificationRound(1, NotificationKind.Initial, recipients), DateTimeOffset.UtcNow.AddHours(1),
            new ApprovalTally([], false), new Uri("https://approvals.example/portal/review/act_1"));

    private static OutcomeNotice Outcome() => new(View(), new ProcessState
    {
        ActionId = "act_1",
        ActionDigest = "sha256:00",
        Region = "westeurope",
        Agent = new Core.Policy.AgentIdentity("agent-1"),
        ReceivedAt = DateTimeOffset.UtcNow,
        Status = ProcessStatus.Completed,
        Outcome = ProcessOutcome.Released,
        Votes = [new Vote("d1", new ApproverIdentity(Ann.Id, Ann.DisplayName), null, "teams", DateTimeOffset.UtcNow)],
    }, new Uri("https://approvals.example/portal/review/act_1"));
}
