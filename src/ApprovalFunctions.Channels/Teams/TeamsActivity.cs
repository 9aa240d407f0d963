using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ApprovalFunctions.Channels.Teams;

/// <summary>
/// An activity the Bot Connector posted to the bot, read after its token was validated. Only the Universal Actions
/// invoke (<c>adaptiveCard/action</c>) carries a decision or a refresh; the verb, the action id and digest come from the
/// card's <c>Action.Execute</c> data (which the bot wrote), the comment from the card's input, and the person from
/// <c>from.aadObjectId</c> (never a display name or e-mail).
/// </summary>
/// <param name="Id">The activity id (unique per invoke).</param>
/// <param name="Type">The activity type.</param>
/// <param name="Name">The invoke name.</param>
/// <param name="ServiceUrl">The service the activity came through.</param>
/// <param name="TenantId">The conversation's tenant.</param>
/// <param name="FromObjectId">The user's Entra object id.</param>
/// <param name="FromName">The user's display name (shown, never trusted).</param>
/// <param name="Verb">The <c>Action.Execute</c> verb.</param>
/// <param name="ActionId">The approval action.</param>
/// <param name="ActionDigest">The digest the card showed.</param>
/// <param name="Comment">The comment input.</param>
public sealed record TeamsActivity(
    string? Id, string Type, string? Name, string? ServiceUrl, string? TenantId, string? FromObjectId, string? FromName, string? Verb, string? ActionId,
    string? ActionDigest, string? Comment)
{
    /// <summary>The invoke name of Universal Actions.</summary>
    public const string CardAction = "adaptiveCard/action";

    /// <summary>True for an <c>Action.Execute</c> invoke.</summary>
    public bool IsCardAction => Type == "invoke" && Name == CardAction;

    /// <summary>Parses the body; null when it is not an activity.</summary>
    public static TeamsActivity? Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            if (JsonNode.Parse(Encoding.UTF8.GetString(body)) is not JsonObject root || Str(root["type"]) is not string type)
            {
                return null;
            }

            JsonNode? action = root["value"]?["action"];
            JsonNode? data = action?["data"];
            return new TeamsActivity(
                Str(root["id"]), type, Str(root["name"]), Str(root["serviceUrl"]),
                Str(root["conversation"]?["tenantId"]) ?? Str(root["channelData"]?["tenant"]?["id"]),
                Str(root["from"]?["aadObjectId"]), Str(root["from"]?["name"]),
                Str(action?["verb"]), Str(data?["actionId"]), Str(data?["actionDigest"]), Str(data?["comment"]));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}

/// <summary>The answer to an <c>adaptiveCard/action</c> invoke: the card that replaces the pressed one, or a message.</summary>
public static class TeamsInvokeResponse
{
    /// <summary>Replace the card with <paramref name="card"/>.</summary>
    public static JsonObject Card(JsonObject card) => new()
    {
        ["statusCode"] = 200,
        ["type"] = "application/vnd.microsoft.card.adaptive",
        ["value"] = card,
    };

    /// <summary>Show <paramref name="text"/> to the user and keep the card.</summary>
    public static JsonObject Message(string text) => new()
    {
        ["statusCode"] = 200,
        ["type"] = "application/vnd.microsoft.activity.message",
        ["value"] = text,
    };
}
