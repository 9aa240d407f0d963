using System.Text.Json.Nodes;
using ApprovalFunctions.Channels.Slack;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Process;

namespace ApprovalFunctions.Channels.Tests.Slack;

public sealed class SlackBlocksTests
{
    private static readonly CardContext Context = new("act_1", new Uri("https://approvals.example/portal/review/act_1"), DateTimeOffset.Parse("2026-12-03T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
        new ApprovalTally([new RequirementTally(["group:dba"], 1, [], 1)], false));

    /// <summary>Every positive line of the detectors' corpus, put in an action's parameters, summary and intent.</summary>
    public static TheoryData<int> CorpusChunks() => [.. Enumerable.Range(0, (Corpus.Positives.Count + 19) / 20)];

    [Theory]
    [MemberData(nameof(CorpusChunks))]
    public void Request_ActionCarryingCorpusSecretsAndPii_PostsNoneOfThemUnmasked(int chunk)
    {
        string[] lines = [.. Corpus.Positives.Skip(chunk * 20).Take(20)];
        var parameters = new JsonObject();
        for (int i = 0; i < lines.Length; i++)
        {
            parameters["p" + i] = lines[i];
        }

        ReviewerView view = Mask(new JsonObject
        {
            ["type"] = "data.export",
            ["summary"] = "Export " + lines[0],
            ["intent"] = lines[^1],
            ["parameters"] = parameters,
        });

        string posted = SlackBlocks.Request(view, Context).ToJsonString() + SlackBlocks.Settled(view, Context, "Approved by Ann").ToJsonString()
            + SlackBlocks.RejectModal(view, "act_1", view.ActionDigest, null).ToJsonString();

        foreach (string line in lines)
        {
            Assert.DoesNotContain(JsonValue.Create(line).ToJsonString().Trim('"'), posted, StringComparison.Ordinal);
        }

        Assert.NotEmpty(view.Masked);
        Assert.Contains($"{view.Masked.Count} value(s) are hidden from reviewers", posted, StringComparison.Ordinal);
    }

    [Fact]
    public void Request_UntrustedText_IsPlainTextSoSlackShowsItLiterally()
    {
        ReviewerView view = Mask(new JsonObject
        {
            ["type"] = "db.write.rows",
            ["summary"] = "<!channel> *urgent* <https://evil.example|click> :tada:\u0007",
            ["target"] = new JsonObject { ["environment"] = "<@U123>" },
        });

        JsonArray blocks = SlackBlocks.Request(view, Context);

        JsonObject summary = blocks[1]!.AsObject();
        Assert.Equal("plain_text", summary["text"]!["type"]!.GetValue<string>());
        Assert.False(summary["text"]!["emoji"]!.GetValue<bool>());
        Assert.Equal("<!channel> *urgent* <https://evil.example|click> :tada: ", summary["text"]!["text"]!.GetValue<string>());
        Assert.All(blocks[2]!["fields"]!.AsArray(), f => Assert.Equal("plain_text", f!["type"]!.GetValue<string>()));
        Assert.DoesNotContain(blocks.SelectMany(Texts), t => t["type"]!.GetValue<string>() == "mrkdwn" && t["text"]!.GetValue<string>().Contains("evil", StringComparison.Ordinal));
    }

    [Fact]
    public void Request_LongContent_StaysWithinSlacksLimits()
    {
        var parameters = new JsonObject();
        for (int i = 0; i < 40; i++)
        {
            parameters["parameter" + i] = new string('x', 5000);
        }

        ReviewerView view = Mask(new JsonObject
        {
            ["type"] = "data.export",
            ["summary"] = new string('s', 2000),
            ["target"] = new JsonObject { ["resource"] = new string('r', 2048) },
            ["parameters"] = parameters,
        });

        JsonArray blocks = SlackBlocks.Request(view, Context, new string('h', 500));

        Assert.InRange(blocks.Count, 1, 50);
        Assert.InRange(blocks[0]!["text"]!["text"]!.GetValue<string>().Length, 1, 150);
        Assert.All(blocks.SelectMany(Texts), t => Assert.InRange(t["text"]!.GetValue<string>().Length, 1, 3000));
        Assert.All(blocks.Where(b => b!["fields"] is not null).SelectMany(b => b!["fields"]!.AsArray()), f => Assert.InRange(f!["text"]!.GetValue<string>().Length, 1, 2000));
        Assert.All(blocks.Where(b => b!["type"]!.GetValue<string>() == "actions").SelectMany(b => b!["elements"]!.AsArray()),
            e => Assert.InRange(e!["value"]?.GetValue<string>().Length ?? 0, 0, 2000));
        Assert.Contains(blocks.SelectMany(Texts), t => t["text"]!.GetValue<string>().Contains("more in the portal", StringComparison.Ordinal));
        Assert.Contains(blocks[2]!["fields"]!.AsArray(), f => f!["text"]!.GetValue<string>().StartsWith("Target: rrr", StringComparison.Ordinal)
            && f["text"]!.GetValue<string>().EndsWith('…'));
    }

    [Fact]
    public void Settled_HasTheHeadlineAndNoDecisionButtons()
    {
        ReviewerView view = Mask(new JsonObject { ["type"] = "db.write.rows", ["summary"] = "Fix rows" });

        JsonArray blocks = SlackBlocks.Settled(view, Context, "Rejected by Bob");

        Assert.Equal("Rejected by Bob", blocks[0]!["text"]!["text"]!.GetValue<string>());
        JsonArray buttons = blocks.Last(b => b!["type"]!.GetValue<string>() == "actions")!["elements"]!.AsArray();
        Assert.Equal([SlackBlocks.PortalAction], buttons.Select(b => b!["action_id"]!.GetValue<string>()));
    }

    private static IEnumerable<JsonObject> Texts(JsonNode? block)
    {
        if (block?["text"] is JsonObject text)
        {
            yield return text;
        }

        foreach (JsonNode? element in block?["elements"]?.AsArray() ?? [])
        {
            if (element is JsonObject { } e && e["text"] is JsonValue)
            {
                yield return e;
            }
        }
    }

    private static ReviewerView Mask(JsonObject action)
    {
        ActionRequest request = ActionParser.Parse(action.ToJsonString()).Action ?? throw new InvalidOperationException("the test action does not parse");
        return new Masker(new MaskingOptions()).Mask(request, null, new Core.Policy.AgentIdentity("agent-1", "olga"));
    }
}

/// <summary>The detectors' labelled corpus (Core's tests own it).</summary>
internal static class Corpus
{
    public static IReadOnlyList<string> Positives { get; } = [.. File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Corpus", "masking-corpus.tsv"))
        .Where(l => l.Length > 0 && l[0] != '#' && !l.StartsWith("-\t", StringComparison.Ordinal))
        .Select(l => l.Split('\t', 2)[1].Replace("\\n", "\n", StringComparison.Ordinal))];
}
