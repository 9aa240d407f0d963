using System.Net;
using System.Text.Json.Nodes;
using ApprovalFunctions.Gateway.Tests.Support;
using ApprovalFunctions.Tests.Shared;

namespace ApprovalFunctions.Gateway.Tests.Channels;

/// <summary>
/// Slack on the gateway as a team tries it first: development mode with the built-in development identities and a
/// Slack workspace whose members' e-mails are theirs; and a person linked explicitly with <c>slack:</c> in the
/// identities file.
/// </summary>
public sealed class SlackOnTheGatewayTests : IAsyncLifetime
{
    private FakeSlack _slack = null!;

    public async Task InitializeAsync() =>
        _slack = await FakeSlack.StartAsync(("UANN", "ann@contoso.dev"), ("UBOB", "bob@contoso.dev"), ("UBOBBY", "bobby@elsewhere.test"));

    public async Task DisposeAsync() => await _slack.DisposeAsync();

    [Fact]
    public async Task DevelopmentMode_WithTheDevelopmentIdentities_ApproversAreMessagedAndTheirPressesCount()
    {
        // The file --dev uses when no identities file is configured.
        using var gateway = new GatewayFactory(Settings(Path.Combine(AppContext.BaseDirectory, "dev-identities.yaml")));
        using HttpClient agent = gateway.Agent("dev-etl-agent-key");
        (_, JsonObject submitted) = await agent.SubmitAsync(Support.Api.ProdWrite, wait: "PT0S");
        string id = submitted["id"]!.GetValue<string>();

        FakeSlack.Call toAnn = await MessageAsync(id, "UANN");
        await MessageAsync(id, "UBOB");
        using HttpRequestMessage press = FakeSlack.Interaction(_slack.Press("UANN", toAnn, "approve"), gateway.Clock.GetUtcNow());
        HttpResponseMessage answer = await gateway.Anonymous().SendAsync(press);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        JsonObject status = await agent.StatusWhenAsync(id, s => s["approval"]?["requirements"]?[0]?["approvedBy"]?.AsArray().Count == 1);
        Assert.Equal("ann", status["approval"]!["requirements"]![0]!["approvedBy"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task IdentitiesFile_SlackLink_MessagesThatAccountAndItsPressIsThePersons()
    {
        using var files = new TempDirectory();
        string identities = Path.Combine(files.Path, "identities.yaml");
        await File.WriteAllTextAsync(identities, (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "TestData", "identities.yaml")))
            .Replace("{ id: bob,", "{ id: bob, slack: UBOBBY,", StringComparison.Ordinal));
        using var gateway = new GatewayFactory(Settings(identities));
        (_, JsonObject submitted) = await gateway.Agent().SubmitAsync(Support.Api.ProdWrite, wait: "PT0S");
        string id = submitted["id"]!.GetValue<string>();

        FakeSlack.Call toBob = await MessageAsync(id, "UBOBBY");
        using HttpRequestMessage press = FakeSlack.Interaction(_slack.Press("UBOBBY", toBob, "approve"), gateway.Clock.GetUtcNow());
        await gateway.Anonymous().SendAsync(press);

        JsonObject status = await gateway.Agent().StatusWhenAsync(id, s => s["approval"]?["requirements"]?[0]?["approvedBy"]?.AsArray().Count == 1);
        Assert.Equal("bob", status["approval"]!["requirements"]![0]!["approvedBy"]![0]!.GetValue<string>());
        Assert.DoesNotContain(_slack.Calls, c => c.Method == "users.lookupByEmail" && c.Body.Contains("bob", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sweeper_SlackFailingWhenTheActionIsDecided_UpdatesTheMessagesOnceItIsBack()
    {
        using var gateway = new GatewayFactory(Settings(Path.Combine(AppContext.BaseDirectory, "dev-identities.yaml")));
        using HttpClient agent = gateway.Agent("dev-etl-agent-key");
        (_, JsonObject submitted) = await agent.SubmitAsync(Support.Api.ProdWrite, wait: "PT0S");
        string id = submitted["id"]!.GetValue<string>();
        await MessageAsync(id, "UANN");
        await MessageAsync(id, "UBOB");
        _slack.Fail("chat.update", 2);

        using HttpClient ann = await gateway.PersonAsync("ann");
        JsonObject pending = await agent.StatusWhenAsync(id, s => s["status"]?.GetValue<string>() == "pendingApproval");
        await ann.DecideAsync(id, pending["actionDigest"]!.GetValue<string>(), "reject", "not this one");
        await agent.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());
        await _slack.WaitForAsync(s => s.Requests.Count(r => r.Path == "/api/chat.update") >= 2 ? s : null, "the two failed updates");
        await Task.Delay(200);
        int failed = _slack.Requests.Count(r => r.Path == "/api/chat.update");

        // Slack is back; the sweeper tries again once its pause (5 s after a first failure) has passed.
        gateway.Clock.Advance(TimeSpan.FromMinutes(1));
        gateway.Service<ApprovalFunctions.Gateway.Channels.OutcomeSignal>().Wake();
        IReadOnlyList<FakeSlack.Call> updates = await _slack.WaitForAsync(s => s.CallsFor("chat.update", id) is { Count: >= 4 } u ? u : null, "the updates after Slack came back");

        Assert.Equal(2, failed);
        Assert.All(updates.Skip(2), u => Assert.Contains("Rejected by Ann", u.Body, StringComparison.Ordinal));
        Assert.Equal(["DUANN", "DUBOB"], updates.Skip(2).Select(u => u.Args["channel"]!.GetValue<string>()).Order());
    }

    [Fact]
    public void IdentitiesFile_SlackIdUsedTwice_IsRefusedNamingIt()
    {
        using var files = new TempDirectory();
        string identities = Path.Combine(files.Path, "identities.yaml");
        File.WriteAllText(identities, "people:\n  - { id: ann, slack: U1 }\n  - { id: bob, slack: U1 }\n");

        InvalidOperationException refused = Assert.Throws<InvalidOperationException>(() => Identity.IdentitiesFile.Load(identities));

        Assert.Contains("bob's slack \"U1\" is empty or used twice", refused.Message, StringComparison.Ordinal);
    }

    private Dictionary<string, string?> Settings(string identities) => new()
    {
        ["Gateway:IdentitiesPath"] = identities,
        ["Slack:BotToken"] = FakeSlack.BotToken,
        ["Slack:SigningSecret"] = FakeSlack.SigningSecret,
        ["Slack:ApiBaseUrl"] = _slack.ApiBaseUrl,
    };

    private Task<FakeSlack.Call> MessageAsync(string id, string user) =>
        _slack.WaitForAsync(s => s.CallsFor("chat.postMessage", id).Where(c => c.Args["channel"]!.GetValue<string>() == user).LastOrDefault(), $"a message to {user}");
}
