using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Core;

namespace ApprovalFunctions.Channels.Slack;

/// <summary>Where a posted Slack message is: its conversation and timestamp (Slack's message id).</summary>
/// <param name="Channel">The conversation id (a DM's <c>D…</c> or a channel's <c>C…</c>).</param>
/// <param name="Ts">The message's timestamp.</param>
public sealed record SlackMessageRef(string Channel, string Ts)
{
    /// <summary>As stored in <see cref="PostedMessage.Address"/>.</summary>
    public string ToJson() => new JsonObject { ["channel"] = Channel, ["ts"] = Ts }.ToJsonString();

    /// <summary>Reads <see cref="ToJson"/>; null when it is not one.</summary>
    public static SlackMessageRef? FromJson(string json)
    {
        try
        {
            return JsonNode.Parse(json) is JsonObject o && o["channel"]?.GetValue<string>() is string c && o["ts"]?.GetValue<string>() is string t ? new SlackMessageRef(c, t) : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>
/// The few Slack Web API methods the channel uses, over <see cref="HttpClient"/> (the hosts add retries on 429 with
/// <c>Retry-After</c>). Slack answers 200 with <c>ok: false</c> and an error code for most failures: those throw
/// <see cref="ChannelException"/> carrying the code. Virtual, for tests of the callers.
/// </summary>
public class SlackApi
{
    private readonly HttpClient _http;
    private readonly string _token;
    private readonly Uri _base;

    /// <summary>Creates the client; <paramref name="http"/> should retry throttled calls.</summary>
    public SlackApi(HttpClient http, SlackOptions options)
    {
        _http = Check.NotNull(http);
        Check.NotNull(options);
        _token = Check.NotNullOrWhiteSpace(options.BotToken);
        _base = new Uri(options.ApiBaseUrl);
    }

    /// <summary>For mocking.</summary>
    protected SlackApi()
    {
        _http = null!;
        _token = string.Empty;
        _base = new Uri(SlackOptions.DefaultApiBaseUrl);
    }

    /// <summary><c>chat.postMessage</c>: posts to a conversation (a user id opens the app's DM with them).</summary>
    public virtual async Task<SlackMessageRef> PostMessageAsync(string channel, string text, JsonArray blocks, CancellationToken cancellationToken)
    {
        JsonObject answer = await CallAsync("chat.postMessage", new JsonObject { ["channel"] = channel, ["text"] = text, ["blocks"] = blocks, ["unfurl_links"] = false }, cancellationToken)
            .ConfigureAwait(false);
        return new SlackMessageRef(answer["channel"]?.GetValue<string>() ?? channel, answer["ts"]?.GetValue<string>() ?? throw new ChannelException("slack", "no_ts", operation: "chat.postMessage"));
    }

    /// <summary><c>chat.update</c>: replaces a message the app posted.</summary>
    public virtual Task UpdateMessageAsync(SlackMessageRef message, string text, JsonArray blocks, CancellationToken cancellationToken) =>
        CallAsync("chat.update", new JsonObject { ["channel"] = Check.NotNull(message).Channel, ["ts"] = message.Ts, ["text"] = text, ["blocks"] = blocks }, cancellationToken);

    /// <summary><c>views.open</c>: opens a modal for the user who just pressed (the trigger lasts three seconds).</summary>
    public virtual Task OpenViewAsync(string triggerId, JsonObject view, CancellationToken cancellationToken) =>
        CallAsync("views.open", new JsonObject { ["trigger_id"] = triggerId, ["view"] = view }, cancellationToken);

    /// <summary><c>users.lookupByEmail</c>: the Slack user with this e-mail, or null when there is none.</summary>
    public virtual async Task<string?> LookupByEmailAsync(string email, CancellationToken cancellationToken)
    {
        try
        {
            JsonObject answer = await CallFormAsync("users.lookupByEmail", [new("email", email)], cancellationToken).ConfigureAwait(false);
            return answer["user"]?["id"]?.GetValue<string>();
        }
        catch (ChannelException ex) when (ex.Error == "users_not_found")
        {
            return null;
        }
    }

    /// <summary><c>users.info</c>: the user's e-mail (needs <c>users:read.email</c>); null for bots, deleted users or none.</summary>
    public virtual async Task<string?> EmailOfAsync(string userId, CancellationToken cancellationToken)
    {
        try
        {
            JsonObject answer = await CallFormAsync("users.info", [new("user", userId)], cancellationToken).ConfigureAwait(false);
            JsonNode? user = answer["user"];
            bool inactive = user?["deleted"]?.GetValue<bool>() == true || user?["is_bot"]?.GetValue<bool>() == true;
            return inactive ? null : user?["profile"]?["email"]?.GetValue<string>();
        }
        catch (ChannelException ex) when (ex.Error == "user_not_found")
        {
            return null;
        }
    }

    /// <summary>Posts to an interaction's <c>response_url</c> (no token: the URL is the credential).</summary>
    public virtual async Task RespondAsync(Uri responseUrl, JsonObject message, CancellationToken cancellationToken)
    {
        using var content = new StringContent(message.ToJsonString(), Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await _http.PostAsync(Check.NotNull(responseUrl), content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new ChannelException("slack", "http_" + (int)response.StatusCode, (int)response.StatusCode, "response_url");
        }
    }

    private async Task<JsonObject> CallAsync(string method, JsonObject body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, method))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        return await SendAsync(method, request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonObject> CallFormAsync(string method, KeyValuePair<string, string>[] fields, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, method)) { Content = new FormUrlEncodedContent(fields) };
        return await SendAsync(method, request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonObject> SendAsync(string method, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new ChannelException("slack", "http_" + (int)response.StatusCode, (int)response.StatusCode, method);
        }

        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        JsonObject? answer;
        try
        {
            answer = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            answer = null;
        }

        if (answer is null)
        {
            throw new ChannelException("slack", "not_json", operation: method);
        }

        if (answer["ok"]?.GetValue<bool>() != true)
        {
            throw new ChannelException("slack", answer["error"]?.GetValue<string>() ?? "unknown_error", operation: method);
        }

        return answer;
    }
}
