using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.Microsoft365.Identity;
using ApprovalFunctions.Microsoft365.Notifications;
using ApprovalFunctions.Microsoft365.Outlook;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace ApprovalFunctions.FunctionApp.Http;

/// <summary>
/// <c>POST /api/outlook/{id}?decision=approve|reject</c>: a button pressed on an Outlook actionable message, checked as
/// the gateway checks it (<see cref="OutlookActions"/>: Outlook's Entra token, then the single-use card token). Refusals
/// answer 4xx with <c>CARD-ACTION-STATUS</c>; a decision the process takes answers with the updated card and
/// <c>CARD-UPDATE-IN-BODY: true</c>. Not behind <see cref="Identity.AuthenticationMiddleware"/>: Outlook's token is not
/// one of the app's callers' tokens, and this function checks it itself.
/// </summary>
public sealed class OutlookFunction(
    ActionResponses responses, ProcessLookup lookup, Microsoft365Options options, TimeProvider time, ILogger<OutlookFunction> logger, OutlookActions? outlook = null)
{
    /// <summary>Handles one press.</summary>
    [Function(nameof(OutlookAction))]
    public async Task<IActionResult> OutlookAction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/outlook/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        CancellationToken cancellationToken = context.CancellationToken;
        if (outlook is null)
        {
            return Refuse(404, "This request cannot be answered from Outlook. Open it in the approvals portal.");
        }

        DateTimeOffset now = time.GetUtcNow();
        (OutlookAction? press, OutlookRefusal? refusal) = await outlook.ReadAsync(
            id,
            request.Headers.Authorization.ToString(),
            request.Headers[ApprovalCards.CardTokenHeader].ToString(),
            request.Query["decision"].ToString(),
            await OutlookActions.ReadBodyAsync(request.Body, cancellationToken),
            now,
            cancellationToken);
        if (press is null)
        {
            string shownId = LogText.Sanitize(id, 40);
            OutlookLog.Refused(logger, shownId, refusal!.Reason);
            return Refuse(refusal.Status, refusal.Message);
        }

        try
        {
            return await DecideAsync(client, id, press, now, cancellationToken);
        }
        catch
        {
            // Not the approver's fault (storage, the task hub): the card may be pressed again.
            await outlook.ReleaseAsync(press, CancellationToken.None);
            throw;
        }
    }

    private async Task<IActionResult> DecideAsync(DurableTaskClient client, string id, OutlookAction press, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ProcessView? view = await lookup.LoadAsync(client, id, cancellationToken);
        if (view is null)
        {
            return Refuse(404, "This request no longer exists.");
        }

        ActionableMessageCaller who = press.Caller;
        var approver = new TokenCaller(who.ObjectId, who.DisplayName, who.Email, who.AuthStrength, null,
            new HashSet<string>(StringComparer.Ordinal) { TokenCallers.Approver });

        // The card token's id keys the decision: pressing twice (or Outlook retrying) is one decision.
        DecisionAnswer answer = ActionResponses.Decide(view, approver, new DecisionBody(press.Decision, press.Comment, press.Claims.ActionDigest),
            press.Claims.TokenId, "outlook", now);
        if (answer.Event is not null)
        {
            await client.RaiseEventAsync(id, ApprovalOrchestrator.EventName, CoreJson.Serialize(answer.Event), cancellationToken);
        }

        if (answer.Verdict is not { Kind: not VerdictKind.Refused })
        {
            if (answer.Status is 400 or 503)
            {
                // Nothing was decided and nothing was the card's fault: it stays usable.
                await outlook!.ReleaseAsync(press, CancellationToken.None);
            }

            string shownId = LogText.Sanitize(id, 40);
            OutlookLog.Refused(logger, shownId, answer.Verdict is null ? "not decidable" : "refused by the process");
            return Refuse(answer.Status, answer.Message);
        }

        // The card shows the state the decision leads to (the orchestration applies the same event).
        ProcessState after = answer.Event is null ? view.State : ApprovalProcess.FromState(view.State).Apply(answer.Event).State;
        return new OutlookCardResult(responses.OutlookOutcome(view with { State = after }, press.Decision == "approve", options.Outlook.Originator!).ToJsonString());
    }

    private static OutlookRefusalResult Refuse(int status, string message) => new(status, message);

    /// <summary>A refusal: the status and the line Outlook shows (no body: Outlook shows the header).</summary>
    private sealed class OutlookRefusalResult(int status, string message) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context)
        {
            context.HttpContext.Response.StatusCode = status;
            context.HttpContext.Response.Headers[OutlookActions.StatusHeader] = message;
            return Task.CompletedTask;
        }
    }

    /// <summary>The updated card, which replaces the actionable one in the message.</summary>
    private sealed class OutlookCardResult(string card) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context)
        {
            HttpResponse response = context.HttpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.Headers[OutlookActions.UpdateHeader] = "true";
            response.ContentType = "application/json";
            return response.WriteAsync(card, context.HttpContext.RequestAborted);
        }
    }
}

/// <summary>The Outlook function's log messages.</summary>
internal static partial class OutlookLog
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Outlook press on {ActionId} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string actionId, string reason);
}
