using ApprovalFunctions.Api.Actions;
using ApprovalFunctions.Api.Http;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Identity;
using ApprovalFunctions.Microsoft365.Outlook;
using Microsoft.AspNetCore.Http;

namespace ApprovalFunctions.Api;

/// <summary>Buttons pressed on Outlook actionable messages.</summary>
public sealed partial class ApprovalsApi
{
    /// <summary>
    /// <c>POST /api/outlook/{id}?decision=approve|reject</c>. Outlook's Entra token says who pressed; the card token
    /// (header <see cref="ApprovalCards.CardTokenHeader"/>) says the card was ours, for this action, sent to that person,
    /// and is used once; the comment is the plain-text body. Refusals answer 4xx with <c>CARD-ACTION-STATUS</c> (no names
    /// or times, as Outlook asks); a decision the process takes answers with the updated card and
    /// <c>CARD-UPDATE-IN-BODY: true</c>, so the message stops offering buttons. Not behind the hosts' caller
    /// authentication: Outlook's token is not a caller's token, and <see cref="OutlookActions"/> checks it.
    /// </summary>
    public async Task<ApiResponse> OutlookAsync(HttpRequest request, string id, OutlookActions? outlook, CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        if (outlook is null || Settings.OutlookOriginator is null)
        {
            return OutlookRefusal(404, "This request cannot be answered from Outlook. Open it in the approvals portal.");
        }

        (OutlookAction? press, OutlookRefusal? refusal) = await outlook.ReadAsync(
            id,
            request.Headers.Authorization.ToString(),
            request.Headers[ApprovalCards.CardTokenHeader].ToString(),
            request.Query["decision"].ToString(),
            await OutlookActions.ReadBodyAsync(request.Body, cancellationToken).ConfigureAwait(false),
            services.Time.GetUtcNow(),
            cancellationToken).ConfigureAwait(false);
        if (press is null)
        {
            LogOutlookRefusal(request, id, refusal!.Reason);
            return OutlookRefusal(refusal.Status, refusal.Message);
        }

        ActionableMessageCaller who = press.Caller;
        var approver = new TokenCaller(press.PersonId, who.DisplayName, who.Email, who.AuthStrength, null, new HashSet<string>(StringComparer.Ordinal) { TokenCallers.Approver });
        DecisionOutcome outcome;
        try
        {
            // The card token's id keys the decision: pressing twice (or Outlook retrying) is one decision.
            outcome = await DecideAsync(approver, id, new DecisionBody(press.Decision, press.Comment, press.Claims.ActionDigest), press.Claims.TokenId, "outlook", cancellationToken)
                .ConfigureAwait(false);
        }
        catch
        {
            // Not the approver's fault (storage, the task hub): the card may be pressed again.
            await outlook.ReleaseAsync(press, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        if (outcome is not { Verdict.Kind: not VerdictKind.Refused, Decision: DecisionReceived decision })
        {
            if (outcome.Response.Status == StatusCodes.Status400BadRequest)
            {
                // Nothing was decided and it was not the card's fault: it stays usable.
                await outlook.ReleaseAsync(press, CancellationToken.None).ConfigureAwait(false);
            }

            LogOutlookRefusal(request, id, outcome.Verdict is null ? "not decidable" : "refused by the process");
            return OutlookRefusal(outcome.Response.Status, outcome.Message);
        }

        return await OutlookCardAsync(id, decision, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The card after the decision: the state it leads to, even when the host applies it a moment later.</summary>
    private async Task<ApiResponse> OutlookCardAsync(string id, DecisionReceived decision, CancellationToken cancellationToken)
    {
        ActionSnapshot action = (await backend.FindAsync(id, cancellationToken).ConfigureAwait(false))!;
        ProcessState after = StateAfter(action, decision);
        action = action with { State = after };
        string card = ApprovalCards.OutlookOutcome(Reviewer(action), CardContext.For(Settings.Review(id), after),
            ApprovalCards.DecidedHeadline(decision.Choice == ApprovalChoice.Approve, after), Settings.OutlookOriginator!).ToJsonString();
        return ApiResponse.RawJson(card, StatusCodes.Status200OK, new KeyValuePair<string, string>(OutlookActions.UpdateHeader, "true"));
    }

    private void LogOutlookRefusal(HttpRequest request, string id, string reason)
    {
        string shownId = LogText.Sanitize(id, 40);
        string correlation = LogText.Sanitize(request.Headers["Card-Correlation-Id"].ToString(), 80);
        string requestId = LogText.Sanitize(request.Headers["Action-Request-Id"].ToString(), 80);
        ApiLog.OutlookRefused(services.Logger, shownId, correlation, requestId, reason);
    }

    /// <summary>A refusal: the status and the line Outlook shows (no body: Outlook shows the header).</summary>
    private static ApiResponse OutlookRefusal(int status, string message) =>
        ApiResponse.Empty(status, new KeyValuePair<string, string>(OutlookActions.StatusHeader, message));
}
