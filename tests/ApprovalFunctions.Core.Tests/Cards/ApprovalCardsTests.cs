using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;

namespace ApprovalFunctions.Core.Tests.Cards;

public class ApprovalCardsTests
{
    private const string Policy = """
        policy: p
        defaults: { effect: requireApproval, approval: { approvers: ["group:security-oncall"] } }
        rules:
          - id: eu-export
            if: { field: action.type, equals: data.export }
            then:
              effect: requireApproval
              reason: "EU personal data leaves the EU"
              approval: { approvers: ["group:privacy-office"], minApprovals: 2, timeout: PT4H }
              mask: [parameters.connectionString]
        """;

    private const string Export = """
        {"type":"data.export","summary":"Export customers for dana.smith@contoso.com (card 4242 4242 4242 4242)",
         "requester":{"id":"dana","displayName":"Dana Smith"},
         "target":{"resource":"/subscriptions/s/storageAccounts/custdata","environment":"production"},
         "data":{"classification":["pii"],"sourceRegion":"westeurope","destinationRegion":"eastus","recordCount":120000},
         "parameters":{"table":"customers","connectionString":"Server=db;Password=hunter2","owner":"dana.smith@contoso.com"}}
        """;

    private static readonly DateTimeOffset Deadline = new(2026, 11, 21, 14, 0, 0, TimeSpan.Zero);

    private static ReviewerView View(string json = Export)
    {
        ActionRequest action = ActionParser.Parse(json, ActionLimits.Default).Action!;
        PolicyDecision decision = PolicySet.Load([new PolicySource("p.yaml", Policy)])
            .Evaluate(new PolicyInput(action, new AgentIdentity("etl-agent", "olga"), Deadline.AddHours(-4)));
        return new Masker(new MaskingOptions()).Mask(action, decision, new AgentIdentity("etl-agent", "olga"));
    }

    private static CardContext Context(params string[] approvedBy) => new(
        "act_0123456789abcdefghijklmn",
        new Uri("https://approvals.contoso.com/portal/review/act_0123456789abcdefghijklmn"),
        Deadline,
        new ApprovalTally([new RequirementTally(["group:privacy-office"], 2, approvedBy, 2 - approvedBy.Length)], approvedBy.Length >= 2));

    private static readonly OutlookCardAction Outlook = new(
        new Uri("https://approvals.contoso.com/api/outlook/act_0123456789abcdefghijklmn"), "7b8f2c5e-provider", "card-token-value", "pia@contoso.com");

    private static IEnumerable<JsonObject> Elements(JsonNode card) =>
        card["body"]!.AsArray().Select(n => n!.AsObject()).Concat(card["actions"]!.AsArray().Select(n => n!.AsObject()));

    [Fact]
    public void Outlook_ActionableMessage_IsVersion10WithHttpActionsTheTokenAndTheOriginator()
    {
        JsonObject card = ApprovalCards.Outlook(View(), Context(), Outlook);

        Assert.Equal("1.0", card["version"]!.GetValue<string>());
        Assert.Equal("7b8f2c5e-provider", card["originator"]!.GetValue<string>());
        Assert.Equal(["pia@contoso.com"], card["expectedActors"]!.AsArray().Select(a => a!.GetValue<string>()));
        JsonObject[] http = [.. card["actions"]!.AsArray().Select(a => a!.AsObject()).Where(a => a["type"]!.GetValue<string>() == "Action.Http")];
        Assert.Equal(["Approve", "Reject"], http.Select(a => a["title"]!.GetValue<string>()));
        Assert.All(http, a => Assert.Equal("POST", a["method"]!.GetValue<string>()));
        Assert.Equal("https://approvals.contoso.com/api/outlook/act_0123456789abcdefghijklmn?decision=approve", http[0]["url"]!.GetValue<string>());
        Assert.Equal("https://approvals.contoso.com/api/outlook/act_0123456789abcdefghijklmn?decision=reject", http[1]["url"]!.GetValue<string>());
        Assert.All(http, a => Assert.Equal("{{comment.value}}", a["body"]!.GetValue<string>()));
        Assert.All(http, a => Assert.Contains(a["headers"]!.AsArray(), h => h!["name"]!.GetValue<string>() == ApprovalCards.CardTokenHeader
            && h["value"]!.GetValue<string>() == "card-token-value"));
        Assert.Contains(card["body"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "Input.Text" && e["id"]!.GetValue<string>() == "comment");
        Assert.Contains(card["actions"]!.AsArray(), a => a!["type"]!.GetValue<string>() == "Action.OpenUrl"
            && a["url"]!.GetValue<string>() == "https://approvals.contoso.com/portal/review/act_0123456789abcdefghijklmn");
    }

    [Fact]
    public void Outlook_UsesOnlyElementsThatVersion10Knows()
    {
        string[] known = ["TextBlock", "FactSet", "Input.Text", "Action.Http", "Action.OpenUrl"];

        Assert.All(Elements(ApprovalCards.Outlook(View(), Context(), Outlook)), e => Assert.Contains(e["type"]!.GetValue<string>(), known));
        Assert.All(Elements(ApprovalCards.OutlookOutcome(View(), Context("pia"), "You approved this action", "7b8f2c5e-provider")),
            e => Assert.Contains(e["type"]!.GetValue<string>(), known));
    }

    [Fact]
    public void Teams_Card_IsVersion15AndDecidesOnlyInThePortal()
    {
        JsonObject card = ApprovalCards.Teams(View(), Context());

        Assert.Equal("1.5", card["version"]!.GetValue<string>());
        JsonNode action = Assert.Single(card["actions"]!.AsArray())!;
        Assert.Equal("Action.OpenUrl", action["type"]!.GetValue<string>());
        Assert.DoesNotContain("Action.Http", card.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Action.Submit", card.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TeamsActionable_Card_IsVersion15WithExecuteButtonsBoundToTheDigestAndARefreshForTheApprovers()
    {
        string[] viewers = [.. Enumerable.Range(0, 70).Select(i => $"oid-{i}")];

        JsonObject card = ApprovalCards.TeamsActionable(View(), Context(), new TeamsCardAction("sha256:abc", viewers, Notice: "Your decision was not taken: *late*"));

        Assert.Equal("1.5", card["version"]!.GetValue<string>());
        JsonObject[] executes = [.. card["actions"]!.AsArray().Select(a => a!.AsObject()).Where(a => a["type"]!.GetValue<string>() == "Action.Execute")];
        Assert.Equal(["approve", "reject"], executes.Select(a => a["verb"]!.GetValue<string>()));
        Assert.All(executes, a => Assert.Equal(Context().ActionId, a["data"]!["actionId"]!.GetValue<string>()));
        Assert.All(executes, a => Assert.Equal("sha256:abc", a["data"]!["actionDigest"]!.GetValue<string>()));
        Assert.Equal("auto", executes[1]["associatedInputs"]!.GetValue<string>());
        Assert.Contains(card["body"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "Input.Text" && e["id"]!.GetValue<string>() == "comment");
        Assert.Equal("refresh", card["refresh"]!["action"]!["verb"]!.GetValue<string>());
        Assert.Equal(60, card["refresh"]!["userIds"]!.AsArray().Count); // Teams refreshes for at most 60 users
        Assert.Equal("Your decision was not taken: \\*late\\*", card["body"]![1]!["text"]!.GetValue<string>());
    }

    [Fact]
    public void TeamsOutcome_Card_HasNoExecuteButtonsAndARefreshOnlyWhenAsked()
    {
        JsonObject settled = ApprovalCards.TeamsOutcome(View(), Context(), "Approved by Ann");
        JsonObject pending = ApprovalCards.TeamsOutcome(View(), Context(), "You approved", new TeamsCardAction("sha256:abc", ["oid-1"]));

        Assert.DoesNotContain("Action.Execute", settled.ToJsonString(), StringComparison.Ordinal);
        Assert.Null(settled["refresh"]);
        Assert.Equal("Approved by Ann", settled["body"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(["oid-1"], pending["refresh"]!["userIds"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.DoesNotContain(pending["actions"]!.AsArray(), a => a!["type"]!.GetValue<string>() == "Action.Execute");
    }

    [Theory]
    [InlineData("outlook")]
    [InlineData("teams")]
    [InlineData("teams-bot")]
    public void Cards_ShowTheFactsApproversNeed(string channel)
    {
        JsonObject card = channel switch
        {
            "outlook" => ApprovalCards.Outlook(View(), Context("pia"), Outlook),
            "teams" => ApprovalCards.Teams(View(), Context("pia")),
            _ => ApprovalCards.TeamsActionable(View(), Context("pia"), new TeamsCardAction("sha256:abc", [])),
        };
        Dictionary<string, string> facts = card["body"]!.AsArray().Single(e => e!["type"]!.GetValue<string>() == "FactSet")!["facts"]!.AsArray()
            .ToDictionary(f => f!["title"]!.GetValue<string>(), f => f!["value"]!.GetValue<string>());
        string text = string.Join("\n", card["body"]!.AsArray().Where(e => e!["type"]!.GetValue<string>() == "TextBlock").Select(e => e!["text"]!.GetValue<string>()));

        Assert.Equal("data.export", facts["Action"]);
        Assert.Equal("etl-agent (owner olga)", facts["Agent"]);
        Assert.Equal("Dana Smith", facts["Requested by"]);
        Assert.Equal("production", facts["Environment"]);
        Assert.Equal("pii", facts["Data"]);
        Assert.Equal("westeurope → eastus", facts["Residency"]);
        Assert.Equal("120,000", facts["Records"]);
        Assert.Equal("2026-11-21 14:00 UTC", facts["Deadline"]);
        Assert.Contains("• EU personal data leaves the EU", text, StringComparison.Ordinal);
        Assert.Contains("Rules: eu-export", text, StringComparison.Ordinal);
        Assert.Contains("• 2 of group:privacy-office: approved by pia; 1 more needed", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("outlook")]
    [InlineData("teams")]
    [InlineData("teams-bot")]
    public void Cards_NeverCarryTheMaskedValues(string channel)
    {
        string json = (channel switch
        {
            "outlook" => ApprovalCards.Outlook(View(), Context(), Outlook),
            "teams" => ApprovalCards.Teams(View(), Context()),
            _ => ApprovalCards.TeamsActionable(View(), Context(), new TeamsCardAction("sha256:abc", [])),
        }).ToJsonString();

        Assert.DoesNotContain("dana.smith@contoso.com", json, StringComparison.Ordinal);
        Assert.DoesNotContain("4242 4242 4242 4242", json, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", json, StringComparison.Ordinal);
        Assert.Contains("d\\\\*\\\\*\\\\*@contoso.com", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Cards_MarkdownAndFunctionsInTheSummary_AreShownAsText()
    {
        ReviewerView view = View("""{"type":"x.y","summary":"[Approve now](https://evil.example) **urgent** {{DATE(2026-01-01T00:00:00Z)}}","data":{"sourceRegion":"westeurope"}}""");

        string summary = ApprovalCards.Teams(view, Context())["body"]![1]!["text"]!.GetValue<string>();

        Assert.Equal("\\[Approve now\\](https://evil.example) \\*\\*urgent\\*\\* {\u200B{DATE(2026-01-01T00:00:00Z)}}", summary);
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("# heading", "\\# heading")]
    [InlineData("- item", "\\- item")]
    [InlineData("12. item", "12\\. item")]
    [InlineData("a_b*c`d~e<f", "a\\_b\\*c\\`d\\~e\\<f")]
    [InlineData("line\nnext\u0007", "line next")]
    [InlineData("a\\b", "a\\\\b")]
    public void Escape_Markdown_IsNeutralised(string input, string expected) => Assert.Equal(expected, CardText.Escape(input));

    [Fact]
    public void Escape_LongText_IsShortenedWithAnEllipsis() => Assert.Equal(new string('x', 10) + "…", CardText.Escape(new string('x', 50), 10));
}
