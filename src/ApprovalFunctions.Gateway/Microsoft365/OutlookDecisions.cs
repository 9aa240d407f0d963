using System.Text;
using System.Text.Json;
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
    ActionableMessageTokenValidator tokens,
    CardTokens cards,
    ActionService actions,
    ActionStore store,
    Masker masker,
    PublicUrls urls,
    IOptions<Microsoft365Options> options,
    TimeProvider time,
    ILogger<OutlookDecisions> logger)
{
    private const int MaxBody = 8 * 1024;

    public async Task HandleAsync(HttpContext http, string id)
    {
        CancellationToken cancellationToken = http.RequestAborted;
        string correlation = LogText.Sanitize(http.Request.Headers["Card-Correlation-Id"].ToString(), 80);
        string request = LogText.Sanitize(http.Request.Headers["Action-Request-Id"].ToString(), 80);

        ActionableMessageValidation caller = await tokens.ValidateAsync(http.Request.Headers.Authorization.ToString(), cancellationToken);
        if (caller.Caller is not ActionableMessageCaller who)
        {
            Log.OutlookRefused(logger, LogText.Sanitize(id, 40), correlation, request, caller.Failure ?? "invalid");
            await RefuseAsync(http, 401, "This action could not be verified. Open the request in the approvals portal.");
            return;
        }

        string? decision = http.Request.Query["decision"].ToString() is "approve" or "reject" ? http.Request.Query["decision"].ToString() : null;
        string? comment = await CommentAsync(http, cancellationToken);
        if (decision is null)
        {
            await RefuseAsync(http, 400, "Unknown action.");
            return;
        }

        if (comment is { Length: > 2000 })
        {
            await RefuseAsync(http, 400, "The comment is longer than 2,000 characters.");
            return;
        }

        if (decision == "reject" && comment is null)
        {
            await RefuseAsync(http, 400, "A comment is required to reject.");
            return;
        }

        CardTokenResult card = await cards.UseAsync(http.Request.Headers[ApprovalCards.CardTokenHeader].ToString(), id, who.Email, time.GetUtcNow(), cancellationToken);
        if (card.Claims is not CardTokenClaims claims || !card.IsValid)
        {
            Log.OutlookRefused(logger, LogText.Sanitize(id, 40), correlation, request, "card token: " + card.Failure);
            (int status, string message) = card.Failure switch
            {
                CardTokenFailure.Replayed => (409, "This card was already used. Open the request in the approvals portal to see where it stands."),
                CardTokenFailure.Expired => (410, "This card has expired. Open the request in the approvals portal."),
                CardTokenFailure.WrongRecipient => (403, "This card was sent to someone else."),
                _ => (401, "This card could not be verified. Open the request in the approvals portal."),
            };
            await RefuseAsync(http, status, message);
            return;
        }

        var approver = new Caller(who.ObjectId, who.DisplayName, who.Email, who.AuthStrength, null, new HashSet<string>(StringComparer.Ordinal) { Roles.Approver }, "outlook");
        DecisionOutcome outcome;
        try
        {
            // The card token's id keys the decision: pressing twice (or Outlook retrying) is one decision.
            outcome = await actions.DecideCoreAsync(approver, id, new DecisionBody(decision, comment, claims.ActionDigest), claims.TokenId, "outlook", cancellationToken);
        }
        catch
        {
            await cards.ReleaseAsync(claims, CancellationToken.None);
            throw;
        }

        if (outcome.Verdict is not { Kind: not VerdictKind.Refused })
        {
            if (outcome.Field is not null)
            {
                await cards.ReleaseAsync(claims, CancellationToken.None);
            }

            await RefuseAsync(http, outcome.Status, outcome.Status == 404 ? "This request no longer exists." : outcome.Verdict?.Message ?? outcome.Message);
            return;
        }

        StoredAction stored = (await store.GetAsync(id, cancellationToken))!;
        JsonObject updated = UpdatedCard(stored, decision == "approve" ? "You approved this request." : "You rejected this request.");
        http.Response.StatusCode = 200;
        http.Response.Headers["CARD-UPDATE-IN-BODY"] = "true";
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(updated.ToJsonString(), cancellationToken);
    }

    private JsonObject UpdatedCard(StoredAction stored, string headline)
    {
        ProcessState state = stored.State;
        ActionRequest action = ActionParser.Parse(stored.Body, new ActionLimits { MaxBytes = 64 * 1024 * 1024, MaxDepth = 256 }).Action!;
        ReviewerView view = masker.Mask(action, state.Decision, state.Agent);
        ApprovalTally tally = ApprovalProcess.FromState(state).Tally();
        string status = state.Status switch
        {
            ProcessStatus.PendingApproval => tally.Complete ? string.Empty : " Waiting for the other approvers.",
            _ => " The request is " + Core.Json.CoreJson.Name(state.Status) + ".",
        };
        var context = new CardContext(stored.Id, urls.Review(stored.Id), state.Deadline ?? state.ReceivedAt, tally);
        return ApprovalCards.OutlookOutcome(view, context, headline + status, options.Value.Outlook.Originator!);
    }

    private static async Task<string?> CommentAsync(HttpContext http, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[MaxBody + 1];
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await http.Request.Body.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        string text = Encoding.UTF8.GetString(buffer, 0, Math.Min(read, MaxBody)).Trim();

        // Outlook substitutes {{comment.value}}; a client that sends JSON {"comment": …} is understood too.
        if (text.StartsWith('{'))
        {
            try
            {
                text = JsonNode.Parse(text)?["comment"]?.GetValue<string>()?.Trim() ?? string.Empty;
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
            }
        }

        return text.Length == 0 ? null : text;
    }

    private static Task RefuseAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.Headers["CARD-ACTION-STATUS"] = message;
        return Task.CompletedTask;
    }
}
