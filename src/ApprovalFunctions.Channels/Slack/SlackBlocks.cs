using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Process;

namespace ApprovalFunctions.Channels.Slack;

/// <summary>
/// Block Kit messages and the reject modal, built from the <see cref="ReviewerView"/> only. Every untrusted string is a
/// <c>plain_text</c> object (Slack shows it literally: no links, mentions or formatting; emoji codes off), cut to
/// Slack's limits with a pointer to the portal; only fixed labels and the deadline use <c>mrkdwn</c>.
/// </summary>
public static class SlackBlocks
{
    /// <summary>The <c>action_id</c> of the approve button.</summary>
    public const string ApproveAction = "approve";

    /// <summary>The <c>action_id</c> of the reject button (opens the modal).</summary>
    public const string RejectAction = "reject";

    /// <summary>The <c>action_id</c> of the portal link button (Slack reports its presses too; nothing to do).</summary>
    public const string PortalAction = "open_portal";

    /// <summary>The reject modal's <c>callback_id</c>.</summary>
    public const string RejectCallback = "approvals_reject";

    /// <summary>The block and element id of the modal's comment input.</summary>
    public const string CommentId = "comment";

    private const int HeaderMax = 150;
    private const int TextMax = 2900;
    private const int FieldMax = 300;
    private const int MaxParameters = 10;

    /// <summary>The fallback text (notifications, screen readers): what and that it needs a decision.</summary>
    public static string Text(string headline, ReviewerView view) => Plain(headline, 100) + ": " + Plain(view.Summary, 200);

    /// <summary>
    /// The request: facts, reasons, masked parameters, who is still needed and who is asked (<paramref name="asked"/>,
    /// display names), the deadline, Approve / Reject / portal.
    /// </summary>
    public static JsonArray Request(ReviewerView view, CardContext context, string headline = "Approval needed", IReadOnlyList<string>? asked = null)
    {
        JsonArray blocks = Facts(view, context, headline);
        if (asked is { Count: > 0 })
        {
            string names = string.Join(", ", asked.Take(10)) + (asked.Count > 10 ? $" and {asked.Count - 10} more" : string.Empty);
            blocks.Add(new JsonObject { ["type"] = "context", ["elements"] = new JsonArray(PlainText(Plain("Asked: " + names, 1000))) });
        }

        blocks.Add(new JsonObject
        {
            ["type"] = "actions",
            ["block_id"] = "decide",
            ["elements"] = new JsonArray(
                Button("Approve", ApproveAction, ButtonValue(context.ActionId, view.ActionDigest), "primary"),
                Button("Reject", RejectAction, ButtonValue(context.ActionId, view.ActionDigest), "danger"),
                LinkButton("Review in portal", context.ReviewUrl)),
        });
        return blocks;
    }

    /// <summary>The same facts under <paramref name="headline"/> (the outcome, or what the viewer did), without decision buttons.</summary>
    public static JsonArray Settled(ReviewerView view, CardContext context, string headline)
    {
        JsonArray blocks = Facts(view, context, headline);
        blocks.Add(new JsonObject { ["type"] = "actions", ["block_id"] = "portal", ["elements"] = new JsonArray(LinkButton("Open in portal", context.ReviewUrl)) });
        return blocks;
    }

    /// <summary>The value the decision buttons carry: the action and the digest of what the message shows.</summary>
    public static string ButtonValue(string actionId, string digest) => new JsonObject { ["a"] = actionId, ["d"] = digest }.ToJsonString();

    /// <summary>The modal that asks for the rejection's comment (required); it remembers the action, digest and message.</summary>
    public static JsonObject RejectModal(ReviewerView view, string actionId, string digest, SlackMessageRef? message)
    {
        var metadata = new JsonObject { ["a"] = actionId, ["d"] = digest };
        if (message is not null)
        {
            metadata["c"] = message.Channel;
            metadata["t"] = message.Ts;
        }

        return new JsonObject
        {
            ["type"] = "modal",
            ["callback_id"] = RejectCallback,
            ["private_metadata"] = metadata.ToJsonString(),
            ["title"] = PlainText("Reject request"),
            ["submit"] = PlainText("Reject"),
            ["close"] = PlainText("Cancel"),
            ["blocks"] = new JsonArray(
                Section(Plain(view.Summary, TextMax)),
                new JsonObject
                {
                    ["type"] = "input",
                    ["block_id"] = CommentId,
                    ["label"] = PlainText("Why are you rejecting it?"),
                    ["element"] = new JsonObject
                    {
                        ["type"] = "plain_text_input",
                        ["action_id"] = CommentId,
                        ["multiline"] = true,
                        ["min_length"] = 1,
                        ["max_length"] = 2000,
                    },
                }),
        };
    }

    /// <summary>An ephemeral note to the presser only (a refusal, a link failure), leaving the message as it is.</summary>
    public static JsonObject Ephemeral(string text) => new()
    {
        ["response_type"] = "ephemeral",
        ["replace_original"] = false,
        ["text"] = Plain(text, TextMax),
    };

    /// <summary>Text as Slack shows it literally: control characters dropped, cut to <paramref name="max"/> with an ellipsis.</summary>
    public static string Plain(string? text, int max)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(Math.Min(text.Length, max));
        foreach (char c in text)
        {
            if (builder.Length >= max)
            {
                builder.Length = max - 1;
                builder.Append('…');
                break;
            }

            builder.Append(c == '\n' ? '\n' : char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString();
    }

    private static JsonArray Facts(ReviewerView view, CardContext context, string headline)
    {
        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "header", ["text"] = PlainText(Plain(headline, HeaderMax)) },
            Section(Plain(view.Summary, TextMax)),
        };

        var fields = new JsonArray();
        void Fact(string title, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value) && fields.Count < 10)
            {
                fields.Add(PlainText(title + ": " + Plain(value, FieldMax)));
            }
        }

        Fact("Action", view.Type);
        Fact("Agent", view.AgentId is null ? null : view.AgentOwner is null ? view.AgentId : $"{view.AgentId} (owner {view.AgentOwner})");
        Fact("Requested by", view.RequesterDisplayName ?? view.RequesterId);
        Fact("Target", view.TargetResource);
        Fact("Environment", view.Environment);
        Fact("Data", view.Classification.Count == 0 ? null : string.Join(", ", view.Classification));
        Fact("Residency", view.SourceRegion is null ? null : view.DestinationRegion is null ? view.SourceRegion : $"{view.SourceRegion} → {view.DestinationRegion}");
        Fact("Records", view.RecordCount?.ToString("N0", CultureInfo.InvariantCulture));
        if (fields.Count > 0)
        {
            blocks.Add(new JsonObject { ["type"] = "section", ["fields"] = fields });
        }

        if (view.Decision is { Reasons.Count: > 0 } decision)
        {
            blocks.Add(Section(Plain("Why this needs approval:\n" + string.Join("\n", decision.Reasons.Take(5).Select(r => "• " + Plain(r, 300))), TextMax)));
        }

        if (Parameters(view) is string parameters)
        {
            blocks.Add(Section(parameters));
        }

        var context1 = new JsonArray();
        foreach (RequirementTally requirement in context.Tally.Requirements.Take(5))
        {
            string done = requirement.ApprovedBy.Count == 0 ? "no approvals yet" : "approved by " + string.Join(", ", requirement.ApprovedBy);
            string more = requirement.StillNeeded == 0 ? "met" : $"{requirement.StillNeeded} more needed";
            context1.Add(PlainText(Plain($"{requirement.MinApprovals} of {string.Join(", ", requirement.Approvers)}: {done}; {more}", 300)));
        }

        long epoch = context.Deadline.ToUnixTimeSeconds();
        string fallback = context.Deadline.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        context1.Add(new JsonObject { ["type"] = "mrkdwn", ["text"] = $"Decide by <!date^{epoch}^{{date_short_pretty}} {{time}}|{fallback}>" });
        if (view.Masked.Count > 0)
        {
            context1.Add(PlainText($"{view.Masked.Count} value(s) are hidden from reviewers."));
        }

        blocks.Add(new JsonObject { ["type"] = "context", ["elements"] = context1 });
        return blocks;
    }

    /// <summary>The action's parameters as the masker left them (at most ten, each cut short), or null when it has none.</summary>
    private static string? Parameters(ReviewerView view)
    {
        if (view.Action.ValueKind != JsonValueKind.Object || !view.Action.TryGetProperty("parameters", out JsonElement parameters)
            || parameters.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var text = new StringBuilder("Parameters (masked):");
        int count = 0;
        foreach (JsonProperty property in parameters.EnumerateObject())
        {
            if (count++ == MaxParameters)
            {
                text.Append("\n…more in the portal");
                break;
            }

            string value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            text.Append("\n• ").Append(Plain(property.Name, 60)).Append(": ").Append(Plain(value, 200));
        }

        return count == 0 ? null : Plain(text.ToString(), TextMax);
    }

    private static JsonObject Section(string text) => new() { ["type"] = "section", ["text"] = PlainText(text.Length == 0 ? " " : text) };

    private static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text, ["emoji"] = false };

    private static JsonObject Button(string title, string actionId, string value, string style) => new()
    {
        ["type"] = "button",
        ["action_id"] = actionId,
        ["text"] = PlainText(title),
        ["value"] = value,
        ["style"] = style,
    };

    private static JsonObject LinkButton(string title, Uri url) => new()
    {
        ["type"] = "button",
        ["action_id"] = PortalAction,
        ["text"] = PlainText(title),
        ["url"] = url.ToString(),
    };
}
