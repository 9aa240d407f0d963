using ApprovalFunctions.Api;
using ApprovalFunctions.Channels.Slack;
using ApprovalFunctions.Channels.Teams;
using ApprovalFunctions.FunctionApp.Identity;
using ApprovalFunctions.Microsoft365.Outlook;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace ApprovalFunctions.FunctionApp.Http;

/// <summary>
/// The HTTP API's routes as Functions triggers. Each is one call into the shared <see cref="ApprovalsApi"/> (the same
/// calls the gateway's minimal APIs make); <see cref="AuthenticationMiddleware"/> has authenticated the caller. Agents
/// get their own status URL, never Durable's management URLs (which carry the system key).
/// </summary>
public sealed class ApiFunctions(DurableApis apis, OutlookActions? outlook = null, SlackChannel? slack = null, TeamsBot? teams = null)
{
    /// <summary><c>POST /api/actions[?wait=PT5S]</c>.</summary>
    [Function(nameof(SubmitAction))]
    public async Task<IActionResult> SubmitAction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/actions")] HttpRequest request, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        await apis.For(client).SubmitAsync(request, AuthenticationMiddleware.Caller(context), context.CancellationToken);

    /// <summary><c>GET /api/actions/{id}</c>.</summary>
    [Function(nameof(GetAction))]
    public async Task<IActionResult> GetAction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/actions/{id}")] HttpRequest request, string id, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        await apis.For(client).StatusAsync(AuthenticationMiddleware.Caller(context), id, context.CancellationToken);

    /// <summary><c>POST /api/actions/{id}/decisions</c>.</summary>
    [Function(nameof(Decide))]
    public async Task<IActionResult> Decide(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/actions/{id}/decisions")] HttpRequest request, string id, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        await apis.For(client).DecideAsync(request, AuthenticationMiddleware.Caller(context), id, context.CancellationToken);

    /// <summary><c>POST /api/actions/{id}/cancel</c>.</summary>
    [Function(nameof(CancelAction))]
    public async Task<IActionResult> CancelAction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/actions/{id}/cancel")] HttpRequest request, string id, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        await apis.For(client).CancelAsync(request, AuthenticationMiddleware.Caller(context), id, context.CancellationToken);

    /// <summary><c>GET /api/actions/{id}/audit</c>.</summary>
    [Function(nameof(GetAudit))]
    public async Task<IActionResult> GetAudit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/actions/{id}/audit")] HttpRequest request, string id, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        await apis.For(client).AuditAsync(AuthenticationMiddleware.Caller(context), id, context.CancellationToken);

    /// <summary><c>GET /api/actions/{id}/card</c>.</summary>
    [Function(nameof(GetCard))]
    public async Task<IActionResult> GetCard(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/actions/{id}/card")] HttpRequest request, string id, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        await apis.For(client).CardAsync(AuthenticationMiddleware.Caller(context), id, context.CancellationToken);

    /// <summary><c>GET /api/approvals?status=pending|decided&amp;limit=100</c>.</summary>
    [Function(nameof(ListApprovals))]
    public async Task<IActionResult> ListApprovals(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/approvals")] HttpRequest request, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        await apis.For(client).InboxAsync(request, AuthenticationMiddleware.Caller(context), context.CancellationToken);

    /// <summary><c>GET /api/releases</c>: on Azure the release feed is a Service Bus queue (501 naming it).</summary>
    [Function(nameof(Releases))]
    public async Task<IActionResult> Releases(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/releases")] HttpRequest request, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        await apis.For(client).ReleasesAsync(request, AuthenticationMiddleware.Caller(context), context.CancellationToken);

    /// <summary><c>GET /api/me</c>.</summary>
    [Function(nameof(Me))]
    public IActionResult Me([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/me")] HttpRequest request, FunctionContext context) =>
        ApprovalsApi.Me(AuthenticationMiddleware.Caller(context));

    /// <summary><c>POST /api/outlook/{id}?decision=approve|reject</c>: Outlook's token and the card token are checked by the API itself.</summary>
    [Function(nameof(OutlookAction))]
    public async Task<IActionResult> OutlookAction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/outlook/{id}")] HttpRequest request, string id, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        await apis.For(client).OutlookAsync(request, id, outlook, context.CancellationToken);

    /// <summary><c>POST /api/slack/interactions</c>: Slack's signature is checked by the API itself.</summary>
    [Function(nameof(SlackInteraction))]
    public async Task<IActionResult> SlackInteraction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/slack/interactions")] HttpRequest request, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        await apis.For(client).SlackAsync(request, slack, context.CancellationToken);

    /// <summary><c>POST /api/teams/messages</c>: the Bot Connector's token is checked by the API itself.</summary>
    [Function(nameof(TeamsMessages))]
    public async Task<IActionResult> TeamsMessages(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/teams/messages")] HttpRequest request, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        await apis.For(client).TeamsAsync(request, teams, context.CancellationToken);
}
