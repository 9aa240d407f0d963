using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ApprovalFunctions.Channels.Slack;

/// <summary>What an approver did in Slack.</summary>
public enum SlackInteractionKind
{
    /// <summary>Pressed Approve on a request message.</summary>
    Approve,

    /// <summary>Pressed Reject (the modal asks for the comment).</summary>
    RejectPressed,

    /// <summary>Submitted the reject modal with a comment.</summary>
    RejectSubmitted,

    /// <summary>Anything else (the portal link button, other payload types): nothing to do.</summary>
    Other,
}

/// <summary>
/// One interaction payload (<c>application/x-www-form-urlencoded</c> with a <c>payload</c> JSON field), read only after
/// its signature was verified. The action id and digest come from the pressed button's value or the modal's
/// metadata, which the app itself wrote; the person comes from the Slack user id, mapped through the directory.
/// </summary>
/// <param name="Kind">What was done.</param>
/// <param name="UserId">The Slack user who did it.</param>
/// <param name="TeamId">Their workspace.</param>
/// <param name="ActionId">The approval action.</param>
/// <param name="ActionDigest">The digest the message showed.</param>
/// <param name="TriggerId">For opening the modal.</param>
/// <param name="ResponseUrl">Where to answer the presser.</param>
/// <param name="Message">The message pressed on, or the one the modal came from.</param>
/// <param name="Comment">The modal's comment.</param>
public sealed record SlackInteraction(
    SlackInteractionKind Kind, string UserId, string? TeamId, string? ActionId, string? ActionDigest, string? TriggerId, Uri? ResponseUrl,
    SlackMessageRef? Message, string? Comment)
{
    /// <summary>Parses the body; null when it is not an interaction payload.</summary>
    public static SlackInteraction? Parse(ReadOnlySpan<byte> body)
    {
        string? payload = null;
        foreach (string pair in Encoding.UTF8.GetString(body).Split('&'))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair[..equals] == "payload")
            {
                payload = Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            }
        }

        try
        {
            return payload is null || JsonNode.Parse(payload) is not JsonObject root ? null : From(root);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static SlackInteraction? From(JsonObject root)
    {
        if (Str(root["user"]?["id"]) is not string user)
        {
            return null;
        }

        string? team = Str(root["team"]?["id"]) ?? Str(root["user"]?["team_id"]);
        switch (Str(root["type"]))
        {
            case "block_actions":
                JsonNode? action = root["actions"]?.AsArray().FirstOrDefault();
                string? name = Str(action?["action_id"]);
                (string? id, string? digest) = Ids(Str(action?["value"]));
                string? channel = Str(root["container"]?["channel_id"]) ?? Str(root["channel"]?["id"]);
                string? ts = Str(root["container"]?["message_ts"]) ?? Str(root["message"]?["ts"]);
                SlackInteractionKind kind = name switch
                {
                    SlackBlocks.ApproveAction when id is not null => SlackInteractionKind.Approve,
                    SlackBlocks.RejectAction when id is not null => SlackInteractionKind.RejectPressed,
                    _ => SlackInteractionKind.Other,
                };
                return new SlackInteraction(kind, user, team, id, digest, Str(root["trigger_id"]),
                    Uri.TryCreate(Str(root["response_url"]), UriKind.Absolute, out Uri? responseUrl) ? responseUrl : null,
                    channel is not null && ts is not null ? new SlackMessageRef(channel, ts) : null, null);

            case "view_submission" when Str(root["view"]?["callback_id"]) == SlackBlocks.RejectCallback:
                JsonObject? metadata = Str(root["view"]?["private_metadata"]) is string m ? JsonNode.Parse(m) as JsonObject : null;
                string? comment = Str(root["view"]?["state"]?["values"]?[SlackBlocks.CommentId]?[SlackBlocks.CommentId]?["value"]);
                string? c = Str(metadata?["c"]);
                string? t = Str(metadata?["t"]);
                return new SlackInteraction(SlackInteractionKind.RejectSubmitted, user, team, Str(metadata?["a"]), Str(metadata?["d"]), null, null,
                    c is not null && t is not null ? new SlackMessageRef(c, t) : null, comment);

            default:
                return new SlackInteraction(SlackInteractionKind.Other, user, team, null, null, null, null, null, null);
        }
    }

    private static (string? Id, string? Digest) Ids(string? value)
    {
        if (value is null || JsonNode.Parse(value) is not JsonObject o)
        {
            return (null, null);
        }

        return (Str(o["a"]), Str(o["d"]));
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}
