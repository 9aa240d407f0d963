using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Azure.Core;
using Microsoft.AspNetCore.Http;

namespace ApprovalFunctions.Tests.Shared;

/// <summary>
/// Teams' Bot Connector service on 127.0.0.1 (the bot's <c>serviceUrl</c>), recording every request: creating a 1:1
/// conversation (<c>a:</c> + the member's object id; 403 for users who have not installed the app), sending and
/// updating activities. Calls need the bot's token (<see cref="Credential"/>).
/// </summary>
internal sealed class FakeBotConnector : IAsyncDisposable
{
    public const string BotToken = "test-bot-connector-token";

    private LocalHttpServer _server = null!;
    private int _activities;

    private FakeBotConnector()
    {
    }

    /// <summary>A sent or updated activity: its conversation, its id and body.</summary>
    public sealed record Activity(string Method, string ConversationId, string? ActivityId, JsonObject Body);

    public static async Task<FakeBotConnector> StartAsync()
    {
        var connector = new FakeBotConnector();
        connector._server = await LocalHttpServer.StartAsync(connector.HandleAsync);
        return connector;
    }

    /// <summary>The bot's credential for the Bot Connector (Entra's client-credentials flow cannot be reached from here).</summary>
    public static TokenCredential Credential { get; } = new StaticCredential();

    /// <summary>The service URL (with the trailing slash Teams sends).</summary>
    public string ServiceUrl => _server.BaseAddress.ToString();

    /// <summary>Object ids of users who have not installed the bot: creating their conversation answers 403.</summary>
    public ConcurrentDictionary<string, bool> NotInstalled { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<RecordedRequest> Requests => [.. _server.Requests];

    /// <summary>The members conversations were created with.</summary>
    public IReadOnlyList<string> ConversationsCreatedWith =>
        [.. Requests.Where(r => r.Method == "POST" && r.Path == "/v3/conversations").Select(r => JsonNode.Parse(r.Body)!["members"]![0]!["id"]!.GetValue<string>())];

    /// <summary>Activities sent (POST, with the id the service gave them) and updated (PUT), in order.</summary>
    public IReadOnlyList<Activity> Activities => [.. _activityLog];

    private readonly ConcurrentQueue<Activity> _activityLog = new();

    /// <summary>The card of an activity.</summary>
    public static JsonObject Card(Activity activity) => activity.Body["attachments"]![0]!["content"]!.AsObject();

    /// <summary>Waits until <paramref name="found"/> finds something (20 s at most).</summary>
    public async Task<T> WaitForAsync<T>(Func<FakeBotConnector, T?> found, string what)
        where T : class
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (found(this) is T result)
            {
                return result;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The Bot Connector never saw {what}; requests: {string.Join(", ", Requests.Select(r => r.Method + " " + r.Path))}");
            await Task.Delay(50);
        }
    }

    private async Task HandleAsync(HttpContext context, RecordedRequest request)
    {
        if (request.Headers.GetValueOrDefault("Authorization") != "Bearer " + BotToken)
        {
            context.Response.StatusCode = 401;
            return;
        }

        JsonObject body = JsonNode.Parse(request.Body)!.AsObject();
        JsonObject answer;
        if (request.Method == "POST" && request.Path == "/v3/conversations")
        {
            string member = body["members"]![0]!["id"]!.GetValue<string>();
            if (NotInstalled.ContainsKey(member))
            {
                context.Response.StatusCode = 403;
                await context.Response.WriteAsync("""{"error":{"code":"BotNotInConversationRoster","message":"The bot is not part of the conversation roster."}}""");
                return;
            }

            answer = new JsonObject { ["id"] = "a:" + member };
        }
        else if (request.Method == "POST" && request.Path.EndsWith("/activities", StringComparison.Ordinal))
        {
            string id = "1:" + Interlocked.Increment(ref _activities);
            _activityLog.Enqueue(new Activity("POST", Uri.UnescapeDataString(request.Path.Split('/')[3]), id, body));
            answer = new JsonObject { ["id"] = id };
        }
        else if (request.Method == "PUT" && request.Path.Contains("/activities/", StringComparison.Ordinal))
        {
            string[] parts = request.Path.Split('/');
            _activityLog.Enqueue(new Activity("PUT", Uri.UnescapeDataString(parts[3]), Uri.UnescapeDataString(parts[5]), body));
            answer = new JsonObject { ["id"] = body["id"]?.GetValue<string>() };
        }
        else
        {
            context.Response.StatusCode = 404;
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString());
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private sealed class StaticCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(BotToken, DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
