using System.Globalization;
using System.Text.Json;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Process;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Core.Receipts;

/// <summary>What a verifier trusts.</summary>
public sealed record ReceiptVerifierOptions
{
    /// <summary>The expected issuer.</summary>
    public required string Issuer { get; init; }

    /// <summary>This executor's audience.</summary>
    public required string Audience { get; init; }

    /// <summary>The issuer's public keys (with key ids), for example from its JWKS.</summary>
    public required IReadOnlyList<SecurityKey> SigningKeys { get; init; }

    /// <summary>Tolerance for clock differences (default 30 seconds).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Checks a receipt before an executor runs anything: signature (ES256/RS256 only, known key), issuer, audience, lifetime,
/// that it was issued for exactly the action presented, and that it has not been used before.
/// </summary>
public sealed class ReceiptVerifier
{
    private readonly ReceiptVerifierOptions _options;
    private readonly JsonWebTokenHandler _handler = new();

    /// <summary>Creates a verifier.</summary>
    public ReceiptVerifier(ReceiptVerifierOptions options)
    {
        _options = Check.NotNull(options);
        Check.NotNullOrWhiteSpace(options.Issuer);
        Check.NotNullOrWhiteSpace(options.Audience);
        if (options.SigningKeys.Count == 0)
        {
            throw new ArgumentException("At least one signing key is needed.", nameof(options));
        }
    }

    /// <summary>Verifies <paramref name="jws"/> for <paramref name="action"/> at <paramref name="now"/>, then marks it used.</summary>
    public Task<ReceiptVerification> VerifyAsync(string jws, ActionRequest action, DateTimeOffset now, IReceiptUseRegistry used) =>
        VerifyAsync(jws, Check.NotNull(action).Digest, now, used);

    /// <summary>Verifies <paramref name="jws"/> for the action with <paramref name="actionDigest"/> at <paramref name="now"/>, then marks it used.</summary>
    public async Task<ReceiptVerification> VerifyAsync(string jws, string actionDigest, DateTimeOffset now, IReceiptUseRegistry used)
    {
        Check.NotNull(used);
        if (string.IsNullOrWhiteSpace(jws) || !_handler.CanReadToken(jws))
        {
            return Fail(ReceiptFailure.Malformed, "the receipt is not a compact JWS");
        }

        JsonWebToken token;
        try
        {
            token = _handler.ReadJsonWebToken(jws);
        }
        catch (ArgumentException)
        {
            return Fail(ReceiptFailure.Malformed, "the receipt is not a compact JWS");
        }

        if (!ReceiptClaims.Algorithms.Contains(token.Alg, StringComparer.Ordinal))
        {
            return Fail(ReceiptFailure.UnsupportedAlgorithm, $"the receipt is signed with {LogText.Quote(token.Alg)}; only ES256 and RS256 are accepted");
        }

        var parameters = new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Audience,
            IssuerSigningKeys = _options.SigningKeys,
            ValidAlgorithms = ReceiptClaims.Algorithms,
            ValidTypes = [ReceiptClaims.TokenType],
            RequireSignedTokens = true,
            // The lifetime is checked below against the caller's time, not the system clock.
            ValidateLifetime = false,
            TryAllIssuerSigningKeys = false,
        };
        TokenValidationResult result = await _handler.ValidateTokenAsync(jws, parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return result.Exception switch
            {
                SecurityTokenSignatureKeyNotFoundException => Fail(ReceiptFailure.UnknownKey, $"the receipt is signed with an unknown key {LogText.Quote(token.Kid)}"),
                SecurityTokenInvalidSignatureException => Fail(ReceiptFailure.BadSignature, "the receipt's signature does not verify"),
                SecurityTokenInvalidIssuerException => Fail(ReceiptFailure.WrongIssuer, $"the receipt was issued by {LogText.Quote(token.Issuer)}, not {LogText.Quote(_options.Issuer)}"),
                SecurityTokenInvalidAudienceException => Fail(ReceiptFailure.WrongAudience, "the receipt is for another executor"),
                SecurityTokenInvalidAlgorithmException => Fail(ReceiptFailure.UnsupportedAlgorithm, "the receipt's algorithm is not accepted"),
                _ => Fail(ReceiptFailure.Malformed, "the receipt is not valid: " + LogText.Sanitize(result.Exception?.GetType().Name, 80)),
            };
        }

        ApprovalReceipt? receipt;
        try
        {
            receipt = ReadClaims(token);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            receipt = null;
        }

        if (receipt is null)
        {
            return Fail(ReceiptFailure.Malformed, "the receipt lacks a required claim");
        }

        if (now + _options.ClockSkew < receipt.IssuedAt || (token.ValidFrom != DateTime.MinValue && now + _options.ClockSkew < new DateTimeOffset(token.ValidFrom, TimeSpan.Zero)))
        {
            return Fail(ReceiptFailure.NotYetValid, "the receipt is not valid yet");
        }

        if (now - _options.ClockSkew >= receipt.ExpiresAt)
        {
            return Fail(ReceiptFailure.Expired, $"the receipt expired at {AuditTime(receipt.ExpiresAt)}");
        }

        if (!string.Equals(receipt.ActionDigest, actionDigest, StringComparison.Ordinal))
        {
            return new ReceiptVerification(receipt, ReceiptFailure.DigestMismatch, "the receipt was issued for a different action (digest mismatch)");
        }

        if (!used.TryMarkUsed(receipt.ReceiptId, receipt.ExpiresAt, now))
        {
            return new ReceiptVerification(receipt, ReceiptFailure.AlreadyUsed, $"receipt {LogText.Quote(receipt.ReceiptId)} was already used");
        }

        return new ReceiptVerification(receipt, null, "the receipt is valid");
    }

    private static ApprovalReceipt? ReadClaims(JsonWebToken token)
    {
        if (!token.TryGetPayloadValue(JwtRegisteredClaimNames.Jti, out string? id) || id is null
            || !token.TryGetPayloadValue(ReceiptClaims.ActionId, out string? actionId) || actionId is null
            || !token.TryGetPayloadValue(ReceiptClaims.ActionDigest, out string? digest) || digest is null
            || !token.TryGetPayloadValue(ReceiptClaims.PolicyHash, out string? policyHash) || policyHash is null
            || !token.TryGetPayloadValue(ReceiptClaims.Decision, out string? decision) || decision is null
            || !token.TryGetPayloadValue(ReceiptClaims.Region, out string? region) || region is null
            || token.ValidTo == DateTime.MinValue || token.IssuedAt == DateTime.MinValue)
        {
            return null;
        }

        var approvers = new List<ReceiptApprover>();
        if (token.TryGetPayloadValue(ReceiptClaims.Approvers, out JsonElement list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement a in list.EnumerateArray())
            {
                approvers.Add(new ReceiptApprover(
                    a.GetProperty("id").GetString()!,
                    a.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null,
                    a.TryGetProperty("auth_strength", out JsonElement s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null,
                    DateTimeOffset.Parse(a.GetProperty("at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)));
            }
        }

        return new ApprovalReceipt(id, actionId, digest, policyHash, decision, approvers, region, token.Issuer, token.Audiences.FirstOrDefault() ?? string.Empty,
            new DateTimeOffset(token.IssuedAt, TimeSpan.Zero), new DateTimeOffset(token.ValidTo, TimeSpan.Zero));
    }

    private static ReceiptVerification Fail(ReceiptFailure failure, string message) => new(null, failure, message);

    private static string AuditTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
