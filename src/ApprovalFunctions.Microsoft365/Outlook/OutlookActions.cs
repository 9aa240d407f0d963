using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ApprovalFunctions.Microsoft365.Outlook;

/// <summary>A button press from an Outlook actionable message, checked: who pressed it, on which card, and what they chose.</summary>
/// <param name="Caller">The user, as Outlook's Entra token names them.</param>
/// <param name="Claims">The card token's claims (action, digest shown, recipient, round, single-use id).</param>
/// <param name="Decision"><c>approve</c> or <c>reject</c>.</param>
/// <param name="Comment">The comment box's text, if any.</param>
/// <param name="PersonId">Who pressed it as the directory knows them: the object id, or the person it maps to.</param>
public sealed record OutlookAction(ActionableMessageCaller Caller, CardTokenClaims Claims, string Decision, string? Comment, string PersonId);

/// <summary>
/// Why a press was refused: the HTTP status, the <c>CARD-ACTION-STATUS</c> message Outlook shows (no names or times, as
/// Outlook asks), and a reason for the log.
/// </summary>
public sealed record OutlookRefusal(int Status, string Message, string Reason);

/// <summary>
/// Reads an <c>Action.Http</c> request for both hosts: Outlook's token, the decision in the query, the comment in the
/// plain-text body, then the card token (checked and spent last, so a refused press never spends the card). The presser
/// is their Entra object id, mapped by <paramref name="personIds"/> to the directory's person id where a host's
/// directory names people otherwise (the gateway's identities file); never their e-mail.
/// </summary>
public sealed class OutlookActions(ActionableMessageTokenValidator tokens, CardTokens cards, Func<string, string>? personIds = null)
{
    /// <summary>The response header with the message Outlook shows on refusal.</summary>
    public const string StatusHeader = "CARD-ACTION-STATUS";

    /// <summary>The response header that tells Outlook the body is the updated card.</summary>
    public const string UpdateHeader = "CARD-UPDATE-IN-BODY";

    /// <summary>The longest comment accepted.</summary>
    public const int MaxComment = 2000;

    /// <summary>How much of a request body is read: a comment at its longest, in UTF-8, with room to spare.</summary>
    public const int MaxBody = 8 * 1024;

    /// <summary>The request body as text, read up to <see cref="MaxBody"/> bytes (anything longer is cut, and then too long a comment).</summary>
    public static async Task<string> ReadBodyAsync(Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        byte[] buffer = new byte[MaxBody];
        int read = 0;
        int n;
        while (read < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
        {
            read += n;
        }

        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary>Checks a press on the card of <paramref name="actionId"/>; returns the action or the refusal.</summary>
    public async Task<(OutlookAction? Action, OutlookRefusal? Refusal)> ReadAsync(
        string actionId, string? authorization, string? cardToken, string? decision, string body, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ActionableMessageValidation caller = await tokens.ValidateAsync(authorization, cancellationToken).ConfigureAwait(false);
        if (caller.Caller is not ActionableMessageCaller who)
        {
            return (null, new OutlookRefusal(401, "This action could not be verified. Open the request in the approvals portal.", caller.Failure ?? "invalid token"));
        }

        if (decision is not ("approve" or "reject"))
        {
            return (null, new OutlookRefusal(400, "Unknown action.", "decision missing"));
        }

        string? comment = Comment(body);
        if (comment is { Length: > MaxComment })
        {
            return (null, new OutlookRefusal(400, "The comment is longer than 2,000 characters.", "comment too long"));
        }

        if (decision == "reject" && comment is null)
        {
            return (null, new OutlookRefusal(400, "A comment is required to reject.", "reject without comment"));
        }

        string personId = personIds?.Invoke(who.ObjectId) ?? who.ObjectId;
        CardTokenResult card = await cards.UseAsync(cardToken, actionId, personId, who.Email, now, cancellationToken).ConfigureAwait(false);
        if (card.Claims is not CardTokenClaims claims || !card.IsValid)
        {
            return (null, card.Failure switch
            {
                CardTokenFailure.Replayed => new OutlookRefusal(409, "This card was already used. Open the request in the approvals portal to see where it stands.", "card token replayed"),
                CardTokenFailure.Expired => new OutlookRefusal(410, "This card has expired. Open the request in the approvals portal.", "card token expired"),
                CardTokenFailure.WrongRecipient => new OutlookRefusal(403, "This card was sent to someone else.", "card token of another recipient"),
                _ => new OutlookRefusal(401, "This card could not be verified. Open the request in the approvals portal.", "card token " + card.Failure),
            });
        }

        return (new OutlookAction(who, claims, decision, comment, personId), null);
    }

    /// <summary>Makes the card usable again after a failure that is not the approver's.</summary>
    public Task ReleaseAsync(OutlookAction action, CancellationToken cancellationToken) =>
        cards.ReleaseAsync((action ?? throw new ArgumentNullException(nameof(action))).Claims, cancellationToken);

    /// <summary>
    /// The comment: Outlook substitutes <c>{{comment.value}}</c> into a plain-text body; a client that sends JSON
    /// <c>{"comment": …}</c> is understood too. Empty means none.
    /// </summary>
    public static string? Comment(string body)
    {
        string text = (body ?? string.Empty).Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                text = JsonNode.Parse(text)?["comment"]?.GetValue<string>()?.Trim() ?? string.Empty;
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                // Not JSON after all: the text is the comment.
            }
        }

        return text.Length == 0 ? null : text;
    }
}
