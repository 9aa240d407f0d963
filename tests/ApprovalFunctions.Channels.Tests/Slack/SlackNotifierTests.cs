using System.Text.Json.Nodes;
using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Channels.Slack;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Directory;
using ApprovalFunctions.Microsoft365.Graph;
using ApprovalFunctions.Microsoft365.Notifications;
using ApprovalFunctions.Tests.Shared;

namespace ApprovalFunctions.Channels.Tests.Slack;

public sealed class SlackNotifierTests : IAsyncLifetime
{
    private static readonly Person Ann = new("p-ann", "Ann", "ann@contoso.test");
    private static readonly Person Bob = new("p-bob", "Bob", "bob@contoso.test");
    private static readonly Person Nobody = new("p-nobody", "Nobody", "nobody@contoso.test");
    private readonly InMemoryDeliveryLedger _ledger = new();
    private readonly InMemoryPostedMessages _messages = new();
    private FakeSlack _slack = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _slack = await FakeSlack.StartAsync(("UANN", "ann@contoso.test"), ("UBOB2", "robert@contoso.test"));
        _http = new HttpClient(new RetryAfterHandler { InnerHandler = new HttpClientHandler() });
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _slack.DisposeAsync();
    }

    [Fact]
    public async Task Notify_SameRoundTwice_PostsOncePerRecipient()
    {
        SlackNotifier notifier = Notifier();

        IReadOnlyList<Delivery> first = await notifier.NotifyAsync(Request(1, Ann, Bob), CancellationToken.None);
        IReadOnlyList<Delivery> again = await notifier.NotifyAsync(Request(1, Ann, Bob), CancellationToken.None);

        Assert.Equal(["sent", "sent"], first.Select(d => d.Detail));
        Assert.Equal(["sent before", "sent before"], again.Select(d => d.Detail));
        Assert.Equal(2, _slack.Calls.Count(c => c.Method == "chat.postMessage"));
        Assert.Equal(["UANN", "UBOB2"], _slack.Calls.Where(c => c.Method == "chat.postMessage").Select(c => c.Args["channel"]!.GetValue<string>()).Order());
        Assert.Equal(2, (await _messages.ListAsync("act_1", CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Notify_PersonWithoutASlackAccount_IsAnUndeliveredDelivery()
    {
        IReadOnlyList<Delivery> deliveries = await Notifier().NotifyAsync(Request(1, Nobody), CancellationToken.None);

        Delivery delivery = Assert.Single(deliveries);
        Assert.False(delivery.Delivered);
        Assert.Equal("no Slack account for this person", delivery.Detail);
        Assert.DoesNotContain(_slack.Calls, c => c.Method == "chat.postMessage");
    }

    [Fact]
    public async Task Notify_SlackRefusesTheToken_EveryDeliveryCarriesSlacksErrorCode()
    {
        var options = Options();
        options.BotToken = "xoxb-revoked-token";

        IReadOnlyList<Delivery> deliveries = await Notifier(options).NotifyAsync(Request(1, Ann), CancellationToken.None);

        Delivery delivery = Assert.Single(deliveries);
        Assert.False(delivery.Delivered);
        Assert.Contains("invalid_auth", delivery.Detail, StringComparison.Ordinal);
        Assert.False(await _ledger.WasDeliveredAsync(DeliveryKeys.For("act_1", 1, "slack", Ann.Id), CancellationToken.None));
    }

    [Fact]
    public async Task Notify_ThrottledTwice_IsRetriedAsRetryAfterAsksAndDelivered()
    {
        _slack.Throttle("chat.postMessage", 2);

        IReadOnlyList<Delivery> deliveries = await Notifier().NotifyAsync(Request(1, Ann), CancellationToken.None);

        Assert.True(Assert.Single(deliveries).Delivered);
        Assert.Equal(3, _slack.Requests.Count(r => r.Path == "/api/chat.postMessage"));
    }

    [Fact]
    public async Task Notify_WithAChannel_PostsThereOncePerRound()
    {
        SlackOptions options = Options();
        options.Channel = "C0APPROVALS";

        IReadOnlyList<Delivery> deliveries = await Notifier(options).NotifyAsync(Request(2, Ann), CancellationToken.None);

        Assert.Contains(deliveries, d => d.RecipientId == SlackNotifier.ChannelRecipient && d.Delivered);
        Assert.Contains(_slack.Calls, c => c.Method == "chat.postMessage" && c.Args["channel"]!.GetValue<string>() == "C0APPROVALS");
    }

    [Fact]
    public async Task Update_MessagesGoneOrFailing_MarksTheGoneOnesAndKeepsTheOthersForLater()
    {
        SlackNotifier notifier = Notifier();
        await notifier.NotifyAsync(Request(1, Ann, Bob), CancellationToken.None);
        IReadOnlyList<PostedMessage> posted = await _messages.ListAsync("act_1", CancellationToken.None);
        PostedMessage gone = posted[0] with { Address = new SlackMessageRef(FakeSlack.GoneChannel, "1.2").ToJson() };
        var options = Options();
        options.ApiBaseUrl = "http://127.0.0.1:9/api/"; // nothing listens: a transient failure
        SlackNotifier unreachable = Notifier(options);

        IReadOnlyList<PostedMessage> done = await notifier.UpdateAsync(Outcome(), [gone, posted[1]], CancellationToken.None);
        IReadOnlyList<PostedMessage> failed = await unreachable.UpdateAsync(Outcome(), [posted[1]], CancellationToken.None);

        Assert.Equal(2, done.Count);
        Assert.Empty(failed);
        Assert.Equal(2, _slack.Calls.Count(c => c.Method == "chat.update"));
        Assert.All(_slack.Calls.Where(c => c.Method == "chat.update"), c => Assert.Contains("Approved by Ann", c.Body, StringComparison.Ordinal));
    }

    [Fact]
    public async Task People_SlackUserWhoseEmailIsAnotherPersonsAttribute_IsNobody()
    {
        var directory = new Directory([new Person("p-x", "X", "someone.else@contoso.test")], alias: ("ann@contoso.test", "p-x"));
        var people = new SlackPeople(Api(Options()), Options(), directory, TimeProvider.System);

        Assert.Null(await people.PersonOfAsync("UANN", CancellationToken.None));
    }

    [Fact]
    public async Task People_LookupsAreRemembered()
    {
        var people = new SlackPeople(Api(Options()), Options(), new Directory([Ann]), TimeProvider.System);

        Person? first = await people.PersonOfAsync("UANN", CancellationToken.None);
        Person? second = await people.PersonOfAsync("UANN", CancellationToken.None);
        string? slackUser = await people.SlackUserOfAsync(Ann, CancellationToken.None);
        await people.SlackUserOfAsync(Ann, CancellationToken.None);

        Assert.Equal(Ann.Id, first?.Id);
        Assert.Equal(first, second);
        Assert.Equal("UANN", slackUser);
        Assert.Single(_slack.Calls, c => c.Method == "users.info");
        Assert.Single(_slack.Calls, c => c.Method == "users.lookupByEmail");
    }

    [Fact]
    public async Task People_ExplicitLink_WinsOverEmailBothWays()
    {
        var people = new SlackPeople(Api(Options()), Options(), new Directory([Ann, Bob]), TimeProvider.System, new SlackLinks(new Dictionary<string, string> { ["UBOB2"] = Bob.Id }));

        Assert.Equal(Bob.Id, (await people.PersonOfAsync("UBOB2", CancellationToken.None))?.Id);
        Assert.Equal("UBOB2", await people.SlackUserOfAsync(Bob, CancellationToken.None));
        Assert.DoesNotContain(_slack.Calls, c => c.Method is "users.info" or "users.lookupByEmail");
    }

    [Theory]
    [InlineData("xoxp-user-token", null, "Slack:BotToken")]
    [InlineData(FakeSlack.BotToken, "short", "Slack:SigningSecret")]
    public void Options_Invalid_AreNamed(string token, string? secret, string setting)
    {
        var options = new SlackOptions { BotToken = token, SigningSecret = secret ?? FakeSlack.SigningSecret };

        Assert.Contains(options.Validate(), f => f.StartsWith(setting, StringComparison.Ordinal));
    }

    [Fact]
    public void Options_ChannelNameInsteadOfId_IsNamed()
    {
        SlackOptions options = Options();
        options.Channel = "#approvals";
        options.Users["ann"] = "p-ann";

        IReadOnlyList<string> failures = options.Validate();

        Assert.Contains(failures, f => f.StartsWith("Slack:Channel", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Slack:Users:ann", StringComparison.Ordinal));
    }

    private SlackOptions Options() => new() { BotToken = FakeSlack.BotToken, SigningSecret = FakeSlack.SigningSecret, ApiBaseUrl = _slack.ApiBaseUrl };

    private SlackApi Api(SlackOptions options) => new(_http, options);

    private SlackNotifier Notifier(SlackOptions? options = null)
    {
        options ??= Options();
        SlackApi api = Api(options);
        return new SlackNotifier(api, new SlackPeople(api, options, new Directory([Ann, Bob]), TimeProvider.System,
            new SlackLinks(new Dictionary<string, string> { ["UBOB2"] = Bob.Id })), options, _ledger, _messages);
    }

    private static ReviewerView View() =>
        new Masker(new MaskingOptions()).Mask(ActionParser.Parse(new JsonObject { ["type"] = "db.write.rows", ["summary"] = "Fix rows" }.ToJsonString()).Action!, null);

    private static ApprovalRequest Request(int round, params Person[] recipients) =>
        new("act_1", View(), new NotificationRound(round, NotificationKind.Initial, recipients), DateTimeOffset.UtcNow.AddHours(1),
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
        Votes = [new Vote("d1", new ApproverIdentity(Ann.Id, Ann.DisplayName), null, "api", DateTimeOffset.UtcNow)],
    }, new Uri("https://approvals.example/portal/review/act_1"));

    private sealed class Directory(Person[] people, (string Key, string Id)? alias = null) : IDirectoryLookup
    {
        public Task<IReadOnlyList<Person>> GroupMembersAsync(string group, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<Person>>(people);

        public Task<Person?> UserAsync(string user, CancellationToken cancellationToken) => Task.FromResult(
            alias is { } a && a.Key == user ? people.FirstOrDefault(p => p.Id == a.Id)
                : people.FirstOrDefault(p => p.Id == user || string.Equals(p.Email, user, StringComparison.OrdinalIgnoreCase)));

        public Task<Person?> ManagerAsync(string userId, CancellationToken cancellationToken) => Task.FromResult<Person?>(null);
    }
}
