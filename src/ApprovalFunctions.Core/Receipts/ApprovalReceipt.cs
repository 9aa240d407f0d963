using System.Collections.Concurrent;
using ApprovalFunctions.Core.Process;

namespace ApprovalFunctions.Core.Receipts;

/// <summary>The claims of a verified approval receipt.</summary>
/// <param name="ReceiptId">The single-use id (<c>jti</c>).</param>
/// <param name="ActionId">The action (<c>sub</c>).</param>
/// <param name="ActionDigest">The exact action approved.</param>
/// <param name="PolicyHash">The policy set that decided.</param>
/// <param name="Basis">allowed, approved or approvedOnTimeout.</param>
/// <param name="Approvers">Who approved, how strongly they signed in, and when.</param>
/// <param name="Region">The action's region.</param>
/// <param name="Issuer">Who signed it.</param>
/// <param name="Audience">The executor it is for.</param>
/// <param name="IssuedAt">When it was signed.</param>
/// <param name="ExpiresAt">When it stops being valid.</param>
public sealed record ApprovalReceipt(
    string ReceiptId, string ActionId, string ActionDigest, string PolicyHash, string Basis, IReadOnlyList<ReceiptApprover> Approvers,
    string Region, string Issuer, string Audience, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>A signed receipt, as issued.</summary>
/// <param name="Jws">The compact JWS to hand to the executor.</param>
/// <param name="ReceiptId">Its single-use id.</param>
/// <param name="IssuedAt">When it was signed.</param>
/// <param name="ExpiresAt">When it expires.</param>
public sealed record IssuedReceipt(string Jws, string ReceiptId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt)
{
    /// <summary><c>sha256:</c> of the JWS, as the audit trail records it.</summary>
    public string Hash => Json.JsonCanonicalizer.FormatSha256(System.Text.Encoding.ASCII.GetBytes(Jws));
}

/// <summary>Why a receipt was refused; each check has its own reason.</summary>
public enum ReceiptFailure
{
    /// <summary>Not a compact JWS, or a required claim is missing or mistyped.</summary>
    Malformed,
    /// <summary>Signed with an algorithm other than ES256 or RS256 (including <c>none</c>).</summary>
    UnsupportedAlgorithm,
    /// <summary>Signed with a key the verifier does not know.</summary>
    UnknownKey,
    /// <summary>The signature does not verify.</summary>
    BadSignature,
    /// <summary>Issued by someone else.</summary>
    WrongIssuer,
    /// <summary>Issued for another executor.</summary>
    WrongAudience,
    /// <summary>Not valid yet.</summary>
    NotYetValid,
    /// <summary>Expired.</summary>
    Expired,
    /// <summary>Issued for a different action than the one presented.</summary>
    DigestMismatch,
    /// <summary>This receipt was already used.</summary>
    AlreadyUsed,
}

/// <summary>The result of verifying a receipt.</summary>
/// <param name="Receipt">The claims, when valid (or when only the single-use check failed).</param>
/// <param name="Failure">Why not, when invalid.</param>
/// <param name="Message">A sentence naming the problem.</param>
public sealed record ReceiptVerification(ApprovalReceipt? Receipt, ReceiptFailure? Failure, string Message)
{
    /// <summary>True when the receipt may be acted on.</summary>
    public bool IsValid => Failure is null;
}

/// <summary>Remembers used receipt ids so that each receipt is acted on once. Supplied by the executor.</summary>
public interface IReceiptUseRegistry
{
    /// <summary>Marks <paramref name="receiptId"/> used; false when it already was.</summary>
    /// <param name="receiptId">The receipt's id.</param>
    /// <param name="expiresAt">When the receipt expires (after which the entry may be forgotten).</param>
    /// <param name="now">The current time, for housekeeping.</param>
    bool TryMarkUsed(string receiptId, DateTimeOffset expiresAt, DateTimeOffset now);
}

/// <summary>An in-memory <see cref="IReceiptUseRegistry"/> for a single executor process; forgets ids after they expire.</summary>
public sealed class InMemoryReceiptUseRegistry : IReceiptUseRegistry
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public bool TryMarkUsed(string receiptId, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        Check.NotNullOrWhiteSpace(receiptId);
        if (_used.Count > 1024)
        {
            foreach (KeyValuePair<string, DateTimeOffset> entry in _used)
            {
                if (entry.Value < now)
                {
                    _used.TryRemove(entry);
                }
            }
        }

        return _used.TryAdd(receiptId, expiresAt);
    }
}
