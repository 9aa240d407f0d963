using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ApprovalFunctions.Core;

namespace ApprovalFunctions.Microsoft365.Outlook;

/// <summary>
/// What a card token binds: one action, the digest the recipient was shown, the recipient, the notification round, a
/// single-use id and an expiry. Outlook's own token proves who clicked; this one proves the click belongs to a card we
/// sent to that person for that action.
/// </summary>
/// <param name="ActionId">The action.</param>
/// <param name="ActionDigest">The digest of the action as reviewed.</param>
/// <param name="Recipient">The recipient's e-mail address, lower-cased.</param>
/// <param name="Round">The notification round.</param>
/// <param name="TokenId">The single-use id.</param>
/// <param name="ExpiresAtUnix">When the token stops working (Unix seconds).</param>
/// <param name="RecipientId">The recipient's immutable id (Entra object id); the card is theirs by this id when present.</param>
public sealed record CardTokenClaims(
    [property: JsonPropertyName("a")] string ActionId,
    [property: JsonPropertyName("d")] string ActionDigest,
    [property: JsonPropertyName("r")] string Recipient,
    [property: JsonPropertyName("n")] int Round,
    [property: JsonPropertyName("j")] string TokenId,
    [property: JsonPropertyName("e")] long ExpiresAtUnix,
    [property: JsonPropertyName("o")] string? RecipientId = null)
{
    /// <summary>When the token stops working.</summary>
    [JsonIgnore]
    public DateTimeOffset ExpiresAt => DateTimeOffset.FromUnixTimeSeconds(ExpiresAtUnix);
}

/// <summary>Why a card token was refused.</summary>
public enum CardTokenFailure
{
    /// <summary>Missing or not in the token format.</summary>
    Malformed,
    /// <summary>The signature does not verify (forged or edited).</summary>
    BadSignature,
    /// <summary>Issued for another action.</summary>
    WrongAction,
    /// <summary>Issued to somebody else.</summary>
    WrongRecipient,
    /// <summary>Past its expiry.</summary>
    Expired,
    /// <summary>Already used once.</summary>
    Replayed,
}

/// <summary>The outcome of checking a card token.</summary>
public sealed record CardTokenResult(CardTokenClaims? Claims, CardTokenFailure? Failure)
{
    /// <summary>True when the token may be used.</summary>
    public bool IsValid => Failure is null;
}

/// <summary>Remembers used card token ids until they expire (a database table in the hosts).</summary>
public interface ICardTokenLedger
{
    /// <summary>Records the id; false when it was already recorded.</summary>
    Task<bool> TryUseAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Forgets a use whose decision could not be processed, so that the approver can try again.</summary>
    Task ReleaseAsync(string tokenId, CancellationToken cancellationToken);
}

/// <summary>A process-local ledger, for one host without a database (and tests).</summary>
public sealed class InMemoryCardTokenLedger : ICardTokenLedger
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<bool> TryUseAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken cancellationToken) => Task.FromResult(_used.TryAdd(tokenId, expiresAt));

    /// <inheritdoc />
    public Task ReleaseAsync(string tokenId, CancellationToken cancellationToken)
    {
        _used.TryRemove(tokenId, out _);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Issues and checks card tokens: <c>base64url(claims JSON) "." base64url(HMAC-SHA256(key, first part))</c>. The key
/// is the host's secret (at least 32 bytes); time comes in, so the class reads no clock.
/// </summary>
public sealed class CardTokens
{
    /// <summary>How long a token lives: Outlook refuses actions on messages older than a month anyway.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    private readonly byte[] _key;
    private readonly ICardTokenLedger _ledger;

    /// <summary>Creates the service with the signing <paramref name="key"/> and the single-use <paramref name="ledger"/>.</summary>
    public CardTokens(byte[] key, ICardTokenLedger ledger)
    {
        Check.NotNull(key);
        if (key.Length < 32)
        {
            throw new ArgumentException("A card token key has at least 32 bytes.", nameof(key));
        }

        _key = key;
        _ledger = Check.NotNull(ledger);
    }

    /// <summary>
    /// A token for the card of <paramref name="actionId"/> in <paramref name="round"/> sent to <paramref name="recipient"/>
    /// (e-mail) whose immutable id is <paramref name="recipientId"/>.
    /// </summary>
    public string Issue(string actionId, string actionDigest, string recipient, int round, string tokenId, DateTimeOffset now, string? recipientId = null)
    {
        var claims = new CardTokenClaims(
            Check.NotNullOrWhiteSpace(actionId), Check.NotNullOrWhiteSpace(actionDigest), Check.NotNullOrWhiteSpace(recipient).ToLowerInvariant(),
            round, Check.NotNullOrWhiteSpace(tokenId), (now + Lifetime).ToUnixTimeSeconds(), recipientId);
        string payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims, CardTokenJson.Default.CardTokenClaims));
        return payload + "." + Base64Url(Sign(payload));
    }

    /// <summary>
    /// Checks <paramref name="token"/> for <paramref name="actionId"/> clicked by the person with immutable id
    /// <paramref name="actorId"/> and e-mail <paramref name="actor"/> at <paramref name="now"/>, and records its use.
    /// Every check runs before the use is recorded. A token naming its recipient's id is theirs by that id alone; one
    /// without (issued before ids were bound, valid for at most <see cref="Lifetime"/>) by e-mail.
    /// </summary>
    public async Task<CardTokenResult> UseAsync(string? token, string actionId, string? actorId, string actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        CardTokenResult read = Read(token);
        if (read.Claims is not CardTokenClaims claims)
        {
            return read;
        }

        if (!string.Equals(claims.ActionId, actionId, StringComparison.Ordinal))
        {
            return new(claims, CardTokenFailure.WrongAction);
        }

        bool recipient = claims.RecipientId is string id
            ? string.Equals(id, actorId, StringComparison.OrdinalIgnoreCase)
            : string.Equals(claims.Recipient, actor?.ToLowerInvariant(), StringComparison.Ordinal);
        if (!recipient)
        {
            return new(claims, CardTokenFailure.WrongRecipient);
        }

        if (now >= claims.ExpiresAt)
        {
            return new(claims, CardTokenFailure.Expired);
        }

        return await _ledger.TryUseAsync(claims.TokenId, claims.ExpiresAt, cancellationToken).ConfigureAwait(false)
            ? new(claims, null)
            : new(claims, CardTokenFailure.Replayed);
    }

    /// <summary>Makes a used token usable again (its decision failed for a reason that is not the approver's).</summary>
    public Task ReleaseAsync(CardTokenClaims claims, CancellationToken cancellationToken) => _ledger.ReleaseAsync(Check.NotNull(claims).TokenId, cancellationToken);

    private CardTokenResult Read(string? token)
    {
        int dot = token?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (token is null || token.Length > 2048 || dot <= 0 || dot == token.Length - 1)
        {
            return new(null, CardTokenFailure.Malformed);
        }

        string payload = token[..dot];
        byte[]? signature = FromBase64Url(token[(dot + 1)..]);
        if (signature is null)
        {
            return new(null, CardTokenFailure.Malformed);
        }

        if (!CryptographicOperations.FixedTimeEquals(signature, Sign(payload)))
        {
            return new(null, CardTokenFailure.BadSignature);
        }

        try
        {
            byte[]? json = FromBase64Url(payload);
            CardTokenClaims? claims = json is null ? null : JsonSerializer.Deserialize(json, CardTokenJson.Default.CardTokenClaims);
            return claims is null ? new(null, CardTokenFailure.Malformed) : new(claims, null);
        }
        catch (JsonException)
        {
            return new(null, CardTokenFailure.Malformed);
        }
    }

    private byte[] Sign(string payload) => HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(payload));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[]? FromBase64Url(string text)
    {
        string padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        try
        {
            return Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

[JsonSerializable(typeof(CardTokenClaims))]
internal sealed partial class CardTokenJson : JsonSerializerContext;
