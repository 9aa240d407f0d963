using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Web;
using Microsoft.AspNetCore.Http;

namespace ApprovalFunctions.Tests.Shared;

/// <summary>
/// Slack's Web API on 127.0.0.1, recording every request: a workspace of users with e-mail addresses
/// (<c>users.lookupByEmail</c>, <c>users.info</c>), <c>chat.postMessage</c> (a DM's conversation id is <c>D</c> + the
/// user id), <c>chat.update</c>, <c>views.open</c>, and interaction <c>response_url</c>s under <c>/response/</c>. Calls
/// need the bot token. A method can be made to answer 429 with <c>Retry-After</c> a number of times.
/// </summary>
internal sealed class FakeSlack : IAsyncDisposable
{
    public const string BotToken = "xoxb-test-0000000000-abcdefghijklmnop";
    public const string SigningSecret = "8f742231b10e8888abcd99yyyzzz85a5";

    /// <summary>A conversation whose messages were deleted: <c>chat.update</c> answers <c>message_not_found</c>.</summary>
    public const string GoneChannel = "DGONE";

    private readonly ConcurrentDictionary<string, string> _emails = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _throttled = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _answers = new(StringComparer.Ordinal);
    private LocalHttpServer _server = null!;
    private long _ts = 1_700_000_000;

    private FakeSlack()
    {
    }

    /// <summary>A Slack API call as received: the method and its arguments (JSON or form).</summary>
    public sealed record Call(string Method, JsonObject Args, IReadOnlyDictionary<string, string> Headers, string Body);

    public static async Task<FakeSlack> StartAsync(params (string UserId, string Email)[] users)
    {
        var slack = new FakeSlack();
        foreach ((string user, string email) in users)
        {
            slack._emails[user] = email;
        }

        slack._server = await LocalHttpServer.StartAsync(slack.HandleAsync);
        return slack;
    }

    /// <summary>The Web API base URL (<c>Slack:ApiBaseUrl</c>).</summary>
    public string ApiBaseUrl => new Uri(_server.BaseAddress, "api/").ToString();

    /// <summary>A response URL for an interaction (Slack's are per interaction).</summary>
    public Uri ResponseUrl() => new(_server.BaseAddress, "response/" + Guid.NewGuid().ToString("N"));

    /// <summary>Every Web API call, in order.</summary>
    public IReadOnlyList<Call> Calls => [.. _server.Requests.Where(r => r.Path.StartsWith("/api/", StringComparison.Ordinal)).Select(ToCall)];

    /// <summary>Every post to a response URL, as JSON.</summary>
    public IReadOnlyList<JsonObject> Responses =>
        [.. _server.Requests.Where(r => r.Path.StartsWith("/response/", StringComparison.Ordinal)).Select(r => JsonNode.Parse(r.Body)!.AsObject())];

    /// <summary>Every raw request, for checks over the bytes sent.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _server.Requests];

    /// <summary>The next <paramref name="times"/> calls of <paramref name="method"/> answer <c>ok: false</c> with <c>internal_error</c> (Slack having a bad minute).</summary>
    public void Fail(string method, int times) => _failing[method] = times;

    /// <summary>The next <paramref name="times"/> calls of <paramref name="method"/> answer 429 with <c>Retry-After: 1</c>.</summary>
    public void Throttle(string method, int times) => _throttled[method] = times;

    /// <summary>The calls of <paramref name="method"/> that mention <paramref name="actionId"/>.</summary>
    public IReadOnlyList<Call> CallsFor(string method, string actionId) =>
        [.. Calls.Where(c => c.Method == method && c.Body.Contains(actionId, StringComparison.Ordinal))];

    /// <summary>Waits until <paramref name="found"/> finds something in the calls (20 s at most).</summary>
    public async Task<T> WaitForAsync<T>(Func<FakeSlack, T?> found, string what)
        where T : class
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (found(this) is T result)
            {
                return result;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Slack never saw {what}; calls: {string.Join(", ", Calls.Select(c => c.Method))}");
            await Task.Delay(50);
        }
    }

    /// <summary>An interaction request as Slack sends it: the form body and its signature headers.</summary>
    public static HttpRequestMessage Interaction(JsonObject payload, DateTimeOffset now, string secret = SigningSecret, string? signature = null, long? timestamp = null)
    {
        string body = "payload=" + Uri.EscapeDataString(payload.ToJsonString());
        string ts = (timestamp ?? now.ToUnixTimeSeconds()).ToString(CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/slack/interactions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add("X-Slack-Request-Timestamp", ts);
        request.Headers.Add("X-Slack-Signature", signature ?? Sign(secret, ts, body));
        return request;
    }

    /// <summary>Slack's signature, as its documentation describes it (written here independently of the product's code).</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        "v0=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"v0:{timestamp}:{body}")));

    /// <summary>A button press by <paramref name="user"/> on the message <paramref name="posted"/> (its button with <paramref name="actionName"/>).</summary>
    public JsonObject Press(string user, Call posted, string actionName, string? responseUrl = null)
    {
        JsonArray blocks = posted.Args["blocks"]!.AsArray();
        JsonNode button = blocks.Where(b => b!["type"]!.GetValue<string>() == "actions")
            .SelectMany(b => b!["elements"]!.AsArray()).First(e => e!["action_id"]!.GetValue<string>() == actionName)!;
        (string channel, string ts) = PostedAt(posted);
        return new JsonObject
        {
            ["type"] = "block_actions",
            ["user"] = new JsonObject { ["id"] = user, ["team_id"] = "T0TEST" },
            ["team"] = new JsonObject { ["id"] = "T0TEST" },
            ["trigger_id"] = "trig." + Guid.NewGuid().ToString("N"),
            ["response_url"] = responseUrl ?? ResponseUrl().ToString(),
            ["container"] = new JsonObject { ["type"] = "message", ["channel_id"] = channel, ["message_ts"] = ts },
            ["actions"] = new JsonArray(new JsonObject
            {
                ["action_id"] = actionName,
                ["block_id"] = "decide",
                ["value"] = button["value"]?.GetValue<string>(),
                ["type"] = "button",
            }),
        };
    }

    /// <summary>The reject modal <paramref name="opened"/> (a <c>views.open</c> call) submitted by <paramref name="user"/> with <paramref name="comment"/>.</summary>
    public static JsonObject Submit(string user, Call opened, string comment) => new()
    {
        ["type"] = "view_submission",
        ["user"] = new JsonObject { ["id"] = user, ["team_id"] = "T0TEST" },
        ["team"] = new JsonObject { ["id"] = "T0TEST" },
        ["view"] = new JsonObject
        {
            ["id"] = "V" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant(),
            ["callback_id"] = opened.Args["view"]!["callback_id"]!.GetValue<string>(),
            ["private_metadata"] = opened.Args["view"]!["private_metadata"]!.GetValue<string>(),
            ["state"] = new JsonObject
            {
                ["values"] = new JsonObject { ["comment"] = new JsonObject { ["comment"] = new JsonObject { ["type"] = "plain_text_input", ["value"] = comment } } },
            },
        },
    };

    /// <summary>Where a <c>chat.postMessage</c> call's message went (the fake's answer: D + user, and the ts it gave).</summary>
    public (string Channel, string Ts) PostedAt(Call posted)
    {
        string target = posted.Args["channel"]!.GetValue<string>();
        return (target.StartsWith('U') ? "D" + target : target, _answers.TryGetValue(posted.Body, out string? ts) ? ts : throw new InvalidOperationException("that call was not answered with a message"));
    }

    private Task HandleAsync(HttpContext context, RecordedRequest request)
    {
        if (request.Path.StartsWith("/response/", StringComparison.Ordinal))
        {
            return Reply(context, 200, null);
        }

        string method = request.Path["/api/".Length..];
        if (request.Headers.GetValueOrDefault("Authorization") != "Bearer " + BotToken)
        {
            return Reply(context, 200, new JsonObject { ["ok"] = false, ["error"] = "invalid_auth" });
        }

        if (_throttled.TryGetValue(method, out int left) && left > 0)
        {
            _throttled[method] = left - 1;
            context.Response.Headers.RetryAfter = "1";
            return Reply(context, 429, new JsonObject { ["ok"] = false, ["error"] = "ratelimited" });
        }

        if (_failing.TryGetValue(method, out int failures) && failures > 0)
        {
            _failing[method] = failures - 1;
            return Reply(context, 200, new JsonObject { ["ok"] = false, ["error"] = "internal_error" });
        }

        JsonObject args = ToCall(request).Args;
        string? Arg(string name) => args[name]?.GetValue<string>();
        JsonObject answer = method switch
        {
            "chat.postMessage" => Posted(request.Body, Arg("channel")!),
            "chat.update" when Arg("channel") == GoneChannel => new JsonObject { ["ok"] = false, ["error"] = "message_not_found" },
            "chat.update" => Ok(new JsonObject { ["channel"] = Arg("channel"), ["ts"] = Arg("ts") }),
            "views.open" => Ok(new JsonObject { ["view"] = new JsonObject { ["id"] = "V123" } }),
            "users.lookupByEmail" => _emails.FirstOrDefault(e => string.Equals(e.Value, Arg("email"), StringComparison.OrdinalIgnoreCase)) is { Key: not null } user
                ? Ok(new JsonObject { ["user"] = new JsonObject { ["id"] = user.Key } })
                : new JsonObject { ["ok"] = false, ["error"] = "users_not_found" },
            "users.info" => _emails.TryGetValue(Arg("user") ?? string.Empty, out string? email)
                ? Ok(new JsonObject { ["user"] = new JsonObject { ["id"] = Arg("user"), ["deleted"] = false, ["profile"] = new JsonObject { ["email"] = email } } })
                : new JsonObject { ["ok"] = false, ["error"] = "user_not_found" },
            _ => new JsonObject { ["ok"] = false, ["error"] = "unknown_method" },
        };
        return Reply(context, 200, answer);
    }

    private JsonObject Posted(string body, string channel)
    {
        string ts = Interlocked.Increment(ref _ts).ToString(CultureInfo.InvariantCulture) + ".000100";
        _answers[body] = ts;
        return Ok(new JsonObject { ["channel"] = channel.StartsWith('U') ? "D" + channel : channel, ["ts"] = ts });
    }

    private static JsonObject Ok(JsonObject answer)
    {
        answer["ok"] = true;
        return answer;
    }

    private static Call ToCall(RecordedRequest request)
    {
        string method = request.Path["/api/".Length..];
        JsonObject args;
        if (request.Headers.GetValueOrDefault("Content-Type")?.StartsWith("application/json", StringComparison.Ordinal) == true)
        {
            args = JsonNode.Parse(request.Body)!.AsObject();
        }
        else
        {
            args = [];
            var form = HttpUtility.ParseQueryString(request.Body);
            foreach (string? key in form.AllKeys)
            {
                if (key is not null)
                {
                    args[key] = form[key];
                }
            }
        }

        return new Call(method, args, request.Headers, request.Body);
    }

    private static async Task Reply(HttpContext context, int status, JsonObject? body)
    {
        context.Response.StatusCode = status;
        if (body is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body.ToJsonString());
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
