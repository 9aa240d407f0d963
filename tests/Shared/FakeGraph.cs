using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ApprovalFunctions.Microsoft365.Graph;
using Azure.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Graph;

namespace ApprovalFunctions.Tests.Shared;

/// <summary>
/// A stand-in for Microsoft Graph on 127.0.0.1: answers configured per method and path (a queue per route, the last
/// answer repeating), records every request, and hands out a real <see cref="GraphServiceClient"/> pointed at it.
/// </summary>
internal sealed class FakeGraph : IAsyncDisposable
{
    public const string AccessToken = "test-graph-token";

    private readonly ConcurrentDictionary<string, ConcurrentQueue<Answer>> _routes = new(StringComparer.Ordinal);
    private LocalHttpServer _server = null!;

    public sealed record Answer(int Status, JsonNode? Body = null, IReadOnlyDictionary<string, string>? Headers = null);

    public static async Task<FakeGraph> StartAsync()
    {
        var graph = new FakeGraph();
        graph._server = await LocalHttpServer.StartAsync(graph.HandleAsync);
        return graph;
    }

    public Uri BaseUrl => new(_server.BaseAddress, "v1.0");

    public IReadOnlyList<RecordedRequest> Requests => [.. _server.Requests];

    /// <summary>Answers <paramref name="method"/> <paramref name="path"/> (path and query, as sent) with these, in order.</summary>
    public void On(string method, string path, params Answer[] answers) =>
        _routes[method + " " + path] = new ConcurrentQueue<Answer>(answers);

    /// <summary>Stands in for Entra's client-credentials flow, which cannot be reached from here; Graph calls carry its token.</summary>
    public static TokenCredential Credential { get; } = new StaticTokenCredential();

    public GraphServiceClient Client(TimeProvider? time = null) => GraphClients.Create(Credential, BaseUrl, time);

    private async Task HandleAsync(HttpContext context, RecordedRequest request)
    {
        string path = Uri.UnescapeDataString(request.Path + request.Query);
        if (!_routes.TryGetValue(request.Method + " " + path, out ConcurrentQueue<Answer>? answers))
        {
            context.Response.StatusCode = 404;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"error":{"code":"Request_ResourceNotFound","message":"Resource does not exist."}}""");
            return;
        }

        Answer answer = answers.Count > 1 && answers.TryDequeue(out Answer? next) ? next : answers.TryPeek(out Answer? last) ? last : new Answer(500);
        context.Response.StatusCode = answer.Status;
        foreach ((string name, string value) in answer.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        if (answer.Body is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.Body.ToJsonString());
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private sealed class StaticTokenCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(AccessToken, DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }
}
