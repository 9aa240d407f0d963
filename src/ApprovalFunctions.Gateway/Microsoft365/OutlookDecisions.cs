using System.Text.Json.Nodes;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Gateway.Api;
using ApprovalFunctions.Gateway.Hosting;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Gateway.Logging;
using ApprovalFunctions.Gateway.Storage;
using ApprovalFunctions.Microsoft365.Notifications;
using ApprovalFunctions.Microsoft365.Outlook;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Microsoft365;

/// <summary>
/// <c>POST /api/outlook/{id}?decision=approve|reject</c>: a button pressed on an Outlook actionable message. Outlook's
/// Entra token says who pressed it; the card token (header <see cref="ApprovalCards.CardTokenHeader"/>) says the card
/// was ours, for this action, sent to that person, and is used once; the comment is the plain-text body. Refusals
/// answer 4xx with <c>CARD-ACTION-STATUS</c> (no names or times, as Outlook asks); a recorded decision answers with the
/// updated card and <c>CARD-UPDATE-IN-BODY: true</c>, so the message stops offering buttons.
/// </summary>
internal sealed class OutlookDecisions(
    OutlookActions outlook,
    ActionService actions,
    ActionStore store,
    Masker masker,
    PublicUrls urls,
    IOptions<Microsoft365Options> options,
    TimeProvider time,
    ILogger<OutlookDecisions> logger)
{
    public async Task HandleAsync(HttpContext http, string id)
    {
        CancellationToken cancellationToken = http.RequestAborted;
        string correlation = LogText.Sanitize(http.Request.Headers["Card-Correlation-Id"].ToString(), 80);
        string request = LogText.Sanitize(http.Request.Headers["Action-Request-Id"].ToString(), 80);
        (OutlookAction? press, OutlookRefusal? refusal) = await outlook.ReadAsync(
            id,
            http.Request.Headers.Authorization.ToString(),
            http.Request.Headers[ApprovalCards.CardTokenHeader].ToString(),
            http.Request.Query["decision"].ToString(),
            await OutlookActions.ReadBodyAsync(http.Request.Body, cancellationToken),
            time.GetUtcNow(),
            cancellationToken);
        if (press is null)
        {
            Log.OutlookRefused(logger, LogText.Sanitize(id, 40), correlation, request, refusal!.Reason);
            Refuse(http, refusal.Status, refusal.Message);
            return;
        }

        ActionableMessageCaller who = press.Caller;
        var approver = new Caller(who.ObjectId, who.DisplayName, who.Email, who.AuthStrength, null, new HashSet<string>(StringComparer.Ordinal) { Roles.Approver }, "outlook");
        DecisionOutcome outcome;
        try
        {
            // The card token's id keys the decision: pressing twice (or Outlook retrying) is one decision.
            outcome = await actions.DecideCoreAsync(approver, id, new DecisionBody(press.Decision, press.Comment, press.Claims.ActionDigest), press.Claims.TokenId, "outlook", cancellationToken);
        }
        catch
        {
            await outlook.ReleaseAsync(press, CancellationToken.None);
            throw;
        }

        if (outcome.Verdict is not { Kind: not VerdictKind.Refused })
        {
            if (outcome.Field is not null)
            {
                await outlook.ReleaseAsync(press, CancellationToken.None);
            }

            Refuse(http, outcome.Status, outcome.Status == 404 ? "This request no longer exists." : outcome.Verdict?.Message ?? outcome.Message);
            return;
        }

        StoredAction stored = (await store.GetAsync(id, cancellationToken))!;
        JsonObject updated = UpdatedCard(stored, press.Decision == "approve");
        http.Response.StatusCode = 200;
        http.Response.Headers[OutlookActions.UpdateHeader] = "true";
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(updated.ToJsonString(), cancellationToken);
    }

    private JsonObject UpdatedCard(StoredAction stored, bool approved)
    {
        ProcessState state = stored.State;
        ActionRequest action = ActionParser.Parse(stored.Body, ActionLimits.Stored).Action!;
        ReviewerView view = masker.Mask(action, state.Decision, state.Agent);
        return ApprovalCards.OutlookOutcome(view, CardContext.For(urls.Review(stored.Id), state), ApprovalCards.DecidedHeadline(approved, state),
            options.Value.Outlook.Originator!);
    }

    private static void Refuse(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.Headers[OutlookActions.StatusHeader] = message;
    }
}
