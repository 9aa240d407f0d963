using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Core;
using Azure.Core;

namespace ApprovalFunctions.Channels.Teams;

/// <summary>The credential the bot gets its Bot Connector tokens with (its app's secret, or the platform's identity).</summary>
/// <param name="Credential">The credential.</param>
public sealed record TeamsBotCredential(TokenCredential Credential);

/// <summary>Where a card the bot sent is: the service, the conversation and the activity.</summary>
/// <param name="ServiceUrl">The Bot Connector service it was sent through.</param>
/// <param name="ConversationId">The conversation.</param>
/// <param name="ActivityId">The activity (the card's message).</param>
public sealed record TeamsMessageRef(string ServiceUrl, string ConversationId, string ActivityId)
{
    /// <summary>As stored in <see cref="PostedMessage.Address"/>.</summary>
    public string ToJson() => new JsonObject { ["serviceUrl"] = ServiceUrl, ["conversationId"] = ConversationId, ["activityId"] = ActivityId }.ToJsonString();

    /// <summary>Reads <see cref="ToJson"/>; null when it is not one.</summary>
    public static TeamsMessageRef? FromJson(string json)
    {
        try
        {
            return JsonNode.Parse(json) is JsonObject o && o["serviceUrl"]?.GetValue<string>() is string s && o["conversationId"]?.GetValue<string>() is string c
                && o["activityId"]?.GetValue<string>() is string a ? new TeamsMessageRef(s, c, a) : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>
/// The three Bot Connector calls the bot makes (create a 1:1 conversation, send an activity, update it), over
/// <see cref="HttpClient"/> with the bot's token. Only the configured service URL is ever called, so the bot's token
/// goes nowhere an activity names. Failures throw <see cref="ChannelException"/> with the status. Virtual, for tests.
/// </summary>
public class BotConnector
{
    private readonly HttpClient _http;
    private readonly TokenCredential _credential;
    private readonly TeamsBotOptions _options;

    /// <summary>Creates the client.</summary>
    public BotConnector(HttpClient http, TeamsBotCredential credential, TeamsBotOptions options)
    {
        _http = Check.NotNull(http);
        _credential = Check.NotNull(credential).Credential;
        _options = Check.NotNull(options);
    }

    /// <summary>For mocking.</summary>
    protected BotConnector()
    {
        _http = null!;
        _credential = null!;
        _options = new TeamsBotOptions();
    }

    /// <summary>The error of an update asked for a message sent through another service URL (never called).</summary>
    public const string OtherService = "sent_through_another_service";

    /// <summary>The service URL the bot sends through.</summary>
    public Uri ServiceUrl => new(_options.ServiceUrl.EndsWith('/') ? _options.ServiceUrl : _options.ServiceUrl + "/");

    /// <summary>Creates (or finds) the bot's 1:1 conversation with the user; returns its id. The bot must be installed for them.</summary>
    public virtual async Task<string> CreateConversationAsync(string userObjectId, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["bot"] = new JsonObject { ["id"] = "28:" + _options.AppId },
            ["members"] = new JsonArray(new JsonObject { ["id"] = userObjectId }),
            ["channelData"] = new JsonObject { ["tenant"] = new JsonObject { ["id"] = _options.TenantId } },
            ["tenantId"] = _options.TenantId,
            ["isGroup"] = false,
        };
        JsonObject answer = await SendAsync(HttpMethod.Post, "v3/conversations", body, cancellationToken).ConfigureAwait(false);
        return answer["id"]?.GetValue<string>() ?? throw new ChannelException("teams", "no conversation id", operation: "create conversation");
    }

    /// <summary>Sends <paramref name="activity"/> to the conversation; returns where it is.</summary>
    public virtual async Task<TeamsMessageRef> SendAsync(string conversationId, JsonObject activity, CancellationToken cancellationToken)
    {
        JsonObject answer = await SendAsync(HttpMethod.Post, $"v3/conversations/{Uri.EscapeDataString(conversationId)}/activities", activity, cancellationToken).ConfigureAwait(false);
        return new TeamsMessageRef(ServiceUrl.ToString(), conversationId, answer["id"]?.GetValue<string>() ?? throw new ChannelException("teams", "no activity id", operation: "send"));
    }

    /// <summary>Replaces the activity at <paramref name="message"/> with <paramref name="activity"/>.</summary>
    public virtual async Task UpdateAsync(TeamsMessageRef message, JsonObject activity, CancellationToken cancellationToken)
    {
        Check.NotNull(message);
        if (!string.Equals(new Uri(message.ServiceUrl).Authority, ServiceUrl.Authority, StringComparison.OrdinalIgnoreCase))
        {
            throw new ChannelException("teams", OtherService, operation: "update");
        }

        activity["id"] = message.ActivityId;
        await SendAsync(HttpMethod.Put, $"v3/conversations/{Uri.EscapeDataString(message.ConversationId)}/activities/{Uri.EscapeDataString(message.ActivityId)}",
            activity, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A message activity carrying <paramref name="card"/> (with <paramref name="summary"/> for notifications).</summary>
    public static JsonObject CardActivity(JsonObject card, string summary) => new()
    {
        ["type"] = "message",
        ["summary"] = summary,
        ["attachments"] = new JsonArray(new JsonObject { ["contentType"] = "application/vnd.microsoft.card.adaptive", ["content"] = card }),
    };

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject body, CancellationToken cancellationToken)
    {
        AccessToken token = await _credential.GetTokenAsync(new TokenRequestContext([_options.TokenScope]), cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(method, new Uri(ServiceUrl, path))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            string code = TryParse(text)?["error"]?["code"]?.GetValue<string>() ?? response.StatusCode switch
            {
                HttpStatusCode.Forbidden => "forbidden (is the app installed for the user, or did they block it?)",
                HttpStatusCode.NotFound => "not found",
                _ => "http " + (int)response.StatusCode,
            };
            throw new ChannelException("teams", code, (int)response.StatusCode, method.Method + " " + path.Split('/')[1]);
        }

        return TryParse(text) ?? [];
    }

    private static JsonObject? TryParse(string text)
    {
        try
        {
            return text.Length == 0 ? null : JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
