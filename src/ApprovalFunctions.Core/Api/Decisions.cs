using System.Security.Cryptography;
using System.Text;

namespace ApprovalFunctions.Core.Api;

/// <summary>The rules every host applies to a decision request before it reaches the process.</summary>
public static class DecisionInput
{
    /// <summary>The longest comment accepted.</summary>
    public const int MaxComment = 2000;

    /// <summary>The first problem with a decision request (naming its field), or null when it is well formed.</summary>
    public static FieldError? Validate(string? decision, string? comment, string? actionDigest)
    {
        if (decision is not ("approve" or "reject"))
        {
            return new FieldError("decision", "must be approve or reject");
        }

        if (string.IsNullOrWhiteSpace(actionDigest))
        {
            return new FieldError("actionDigest", "is required: send the digest of the action you reviewed");
        }

        if (comment is { Length: > MaxComment })
        {
            return new FieldError("comment", $"must be at most {MaxComment} characters");
        }

        return decision == "reject" && string.IsNullOrWhiteSpace(comment)
            ? new FieldError("comment", "is required when rejecting: say why")
            : null;
    }
}

/// <summary>Identifiers derived from what callers send, so that a retried request finds what the first one made.</summary>
public static class DerivedIds
{
    private const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>
    /// The decision id of an approver's request with an idempotency key: the same approver and key always give the same
    /// id, so a retried decision is a duplicate. (Requests without a key get a random id from the host.)
    /// </summary>
    public static string Decision(string approverId, string idempotencyKey) =>
        "dk_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Check.NotNull(approverId) + "\n" + Check.NotNull(idempotencyKey))))[..32];

    /// <summary>
    /// An action id for an agent's idempotency key (<c>act_</c> + 24 base-36 characters of a SHA-256): hosts whose
    /// storage is keyed by action id (Durable Functions instance ids) find a resubmission without an index.
    /// </summary>
    public static string Action(string agentId, string idempotencyKey)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes("action\n" + Check.NotNull(agentId) + "\n" + Check.NotNull(idempotencyKey)));
        var id = new StringBuilder("act_", 28);
        for (int i = 0; i < 24; i++)
        {
            id.Append(Alphabet[hash[i] % Alphabet.Length]);
        }

        return id.ToString();
    }
}
