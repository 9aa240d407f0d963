using System.Text;
using System.Text.Json.Nodes;
using ApprovalFunctions.Channels.Slack;
using ApprovalFunctions.Channels.Teams;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using BenchmarkDotNet.Attributes;

namespace ApprovalFunctions.Benchmarks;

/// <summary>
/// The chat channels' own work per request, against Slack's three-second acknowledgement and Teams' invoke limit:
/// checking a Slack interaction's signature and reading its payload, and building a Slack message and a Teams card
/// from the reviewer view of a 4 KiB action.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ChannelBenchmarks
{
    private const string Secret = "8f742231b10e8888abcd99yyyzzz85a5";
    private byte[] _interaction = null!;
    private string _timestamp = null!;
    private string _signature = null!;
    private DateTimeOffset _now;
    private ReviewerView _view = null!;
    private CardContext _context = null!;
    private byte[] _invoke = null!;

    [GlobalSetup]
    public void Setup()
    {
        _now = DateTimeOffset.UtcNow;
        _timestamp = _now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var payload = new JsonObject
        {
            ["type"] = "block_actions",
            ["user"] = new JsonObject { ["id"] = "U0123ABCD", ["team_id"] = "T0123ABCD" },
            ["team"] = new JsonObject { ["id"] = "T0123ABCD" },
            ["trigger_id"] = "123.456.abcdef",
            ["response_url"] = "https://hooks.slack.com/actions/T0123ABCD/123/abc",
            ["container"] = new JsonObject { ["type"] = "message", ["channel_id"] = "D0123ABCD", ["message_ts"] = "1700000000.000100" },
            ["message"] = new JsonObject { ["blocks"] = new JsonArray([.. Enumerable.Range(0, 8).Select(i => (JsonNode)new JsonObject { ["type"] = "section", ["text"] = new string('x', 300) })]) },
            ["actions"] = new JsonArray(new JsonObject { ["action_id"] = "approve", ["value"] = SlackBlocks.ButtonValue("act_0123456789abcdefghijklmn", "sha256:" + new string('a', 64)) }),
        };
        _interaction = Encoding.UTF8.GetBytes("payload=" + Uri.EscapeDataString(payload.ToJsonString()));
        _signature = SlackSignature.Sign(Secret, _timestamp, _interaction);

        ActionRequest action = ActionParser.Parse(RealisticAction.Json(4 * 1024), new ActionLimits { MaxBytes = 1024 * 1024 }).Action!;
        _view = new Masker(new MaskingOptions()).Mask(action, null, new AgentIdentity("etl-bot", "dana"));
        _context = new CardContext("act_0123456789abcdefghijklmn", new Uri("https://approvals.example/portal/review/act_0123456789abcdefghijklmn"), _now.AddHours(1),
            new ApprovalTally([new RequirementTally(["group:prod-owners"], 2, ["Ann"], 1)], false));
        _invoke = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["type"] = "invoke",
            ["name"] = "adaptiveCard/action",
            ["serviceUrl"] = "https://smba.trafficmanager.net/teams/",
            ["from"] = new JsonObject { ["aadObjectId"] = Guid.NewGuid().ToString() },
            ["conversation"] = new JsonObject { ["tenantId"] = Guid.NewGuid().ToString() },
            ["value"] = new JsonObject { ["action"] = new JsonObject { ["verb"] = "approve", ["data"] = new JsonObject { ["actionId"] = "act_1", ["actionDigest"] = "sha256:00" } } },
        }.ToJsonString());
        Console.WriteLine($"// Slack interaction body: {_interaction.Length} bytes");
    }

    [Benchmark]
    public SlackInteraction? SlackVerifyAndParse() =>
        SlackSignature.Verify(Secret, _timestamp, _signature, _interaction, _now, TimeSpan.FromMinutes(5)) is null ? SlackInteraction.Parse(_interaction) : null;

    [Benchmark]
    public string SlackMessage() => SlackBlocks.Request(_view, _context, "Approval needed", ["Ann Owens", "Bob Baker"]).ToJsonString();

    [Benchmark]
    public string TeamsCard() => ApprovalCards.TeamsActionable(_view, _context, new TeamsCardAction(_view.ActionDigest, [Guid.NewGuid().ToString(), Guid.NewGuid().ToString()])).ToJsonString();

    [Benchmark]
    public TeamsActivity? TeamsInvokeParse() => TeamsActivity.Parse(_invoke);
}
