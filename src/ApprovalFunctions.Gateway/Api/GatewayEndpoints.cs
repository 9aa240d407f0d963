using ApprovalFunctions.Api;
using ApprovalFunctions.Channels.Slack;
using ApprovalFunctions.Channels.Teams;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Gateway.Release;
using ApprovalFunctions.Microsoft365.Identity;
using ApprovalFunctions.Microsoft365.Outlook;

namespace ApprovalFunctions.Gateway.Api;

/// <summary>
/// The HTTP API's routes on minimal APIs. Each endpoint is one call into the shared <see cref="ApprovalsApi"/> (the
/// same calls the Functions app's triggers make); authentication is the gateway's, every other rule is the API's.
/// </summary>
internal static class GatewayEndpoints
{
    public static WebApplication MapGatewayApi(this WebApplication app)
    {
        RouteGroupBuilder api = app.MapGroup("/api");
        api.MapPost("/actions", (HttpContext http, ApprovalsApi a) => a.SubmitAsync(http.Request, Caller(http), http.RequestAborted));
        api.MapGet("/actions/{id}", (HttpContext http, ApprovalsApi a, string id) => a.StatusAsync(Caller(http), id, http.RequestAborted));
        api.MapPost("/actions/{id}/decisions", (HttpContext http, ApprovalsApi a, string id) => a.DecideAsync(http.Request, Caller(http), id, http.RequestAborted));
        api.MapPost("/actions/{id}/cancel", (HttpContext http, ApprovalsApi a, string id) => a.CancelAsync(http.Request, Caller(http), id, http.RequestAborted));
        api.MapGet("/actions/{id}/audit", (HttpContext http, ApprovalsApi a, string id) => a.AuditAsync(Caller(http), id, http.RequestAborted));
        api.MapGet("/actions/{id}/card", (HttpContext http, ApprovalsApi a, string id) => a.CardAsync(Caller(http), id, http.RequestAborted));
        api.MapGet("/approvals", (HttpContext http, ApprovalsApi a) => a.InboxAsync(http.Request, Caller(http), http.RequestAborted));
        api.MapGet("/releases", (HttpContext http, ApprovalsApi a) => a.ReleasesAsync(http.Request, Caller(http), http.RequestAborted));
        api.MapGet("/me", (HttpContext http) => ApprovalsApi.Me(Caller(http)));
        api.MapGet("/receipts/keys", (ReceiptKeyStore keys) => Results.Json(keys.Jwks())).AllowAnonymous();
        api.MapGet("/openapi.json", ApprovalsApi.OpenApi).AllowAnonymous();

        // Outlook's token is not a caller's token: the API checks it and the card token itself.
        api.MapPost("/outlook/{id}", (HttpContext http, ApprovalsApi a, string id, IServiceProvider services) =>
            a.OutlookAsync(http.Request, id, services.GetService<OutlookActions>(), http.RequestAborted)).AllowAnonymous();

        // Slack signs its requests: the API checks the signature before anything else.
        api.MapPost("/slack/interactions", (HttpContext http, ApprovalsApi a, IServiceProvider services) =>
            a.SlackAsync(http.Request, services.GetService<SlackChannel>(), http.RequestAborted)).AllowAnonymous();

        // The Bot Connector's token is checked by the API (the Bot Framework's keys, not a caller's issuer).
        api.MapPost("/teams/messages", (HttpContext http, ApprovalsApi a, IServiceProvider services) =>
            a.TeamsAsync(http.Request, services.GetService<TeamsBot>(), http.RequestAborted)).AllowAnonymous();

        // MCP over Streamable HTTP, authenticated like the REST API (the fallback policy); the agent is the caller.
        app.MapMcp("/mcp");

        // Anything else under /api is a problem, for every caller.
        api.MapFallback((HttpContext http) => ApprovalsApi.UnknownEndpoint(http.Request)).AllowAnonymous();
        app.MapGet("/healthz", ApprovalsApi.Health).AllowAnonymous();
        return app;
    }

    private static TokenCaller Caller(HttpContext http) => CallerPrincipal.From(http.User);
}
