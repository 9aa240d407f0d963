using System.Globalization;
using ApprovalFunctions.Core.Process;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Core.Receipts;

/// <summary>Claim names and constants shared by issuer and verifier.</summary>
public static class ReceiptClaims
{
    /// <summary>The JWS <c>typ</c> header of receipts.</summary>
    public const string TokenType = "approval-receipt+jwt";
    /// <summary>The action id.</summary>
    public const string ActionId = "action_id";
    /// <summary>The action digest.</summary>
    public const string ActionDigest = "action_digest";
    /// <summary>The policy hash.</summary>
    public const string PolicyHash = "policy_hash";
    /// <summary>The release basis (the decision).</summary>
    public const string Decision = "decision";
    /// <summary>The approvers.</summary>
    public const string Approvers = "approvers";
    /// <summary>The region.</summary>
    public const string Region = "region";

    /// <summary>The algorithms receipts may use.</summary>
    public static readonly IReadOnlyList<string> Algorithms = [SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSha256];
}

/// <summary>How receipts are signed.</summary>
public sealed record ReceiptIssuerOptions
{
    /// <summary>The issuer (<c>iss</c>), usually the gateway's base URL.</summary>
    public required string Issuer { get; init; }

    /// <summary>The executor the receipt is for (<c>aud</c>).</summary>
    public required string Audience { get; init; }

    /// <summary>The signing key, with a <c>KeyId</c>: an <see cref="ECDsaSecurityKey"/> (P-256) or an <see cref="RsaSecurityKey"/> (2048 bits or more).</summary>
    public required SecurityKey SigningKey { get; init; }

    /// <summary>How long a receipt is valid (default 15 minutes).</summary>
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Throws when something is missing or unusable.</summary>
    public ReceiptIssuerOptions Validate()
    {
        Check.NotNullOrWhiteSpace(Issuer);
        Check.NotNullOrWhiteSpace(Audience);
        Check.NotNull(SigningKey);
        if (string.IsNullOrWhiteSpace(SigningKey.KeyId))
        {
            throw new ArgumentException("The receipt signing key needs a KeyId so executors can pick the right public key.", nameof(SigningKey));
        }

        if (SigningKey is not (ECDsaSecurityKey or RsaSecurityKey or JsonWebKey))
        {
            throw new ArgumentException("Receipts are signed with an EC P-256 (ES256) or RSA (RS256) key.", nameof(SigningKey));
        }

        if (Lifetime <= TimeSpan.Zero || Lifetime > TimeSpan.FromDays(7))
        {
            throw new ArgumentOutOfRangeException(nameof(Lifetime), Lifetime, "A receipt's lifetime is between a second and 7 days.");
        }

        return this;
    }
}

/// <summary>Signs approval receipts (JWS) bound to the exact action.</summary>
public sealed class ReceiptIssuer
{
    private readonly ReceiptIssuerOptions _options;
    private readonly SigningCredentials _credentials;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>Creates an issuer; the options are validated here.</summary>
    public ReceiptIssuer(ReceiptIssuerOptions options)
    {
        _options = Check.NotNull(options).Validate();
        string algorithm = options.SigningKey switch
        {
            RsaSecurityKey => SecurityAlgorithms.RsaSha256,
            JsonWebKey { Kty: "RSA" } => SecurityAlgorithms.RsaSha256,
            _ => SecurityAlgorithms.EcdsaSha256,
        };
        _credentials = new SigningCredentials(options.SigningKey, algorithm);
    }

    /// <summary>The algorithm used (ES256 or RS256).</summary>
    public string Algorithm => _credentials.Algorithm;

    /// <summary>Signs a receipt for <paramref name="facts"/>.</summary>
    /// <param name="facts">What the receipt attests (from the release step).</param>
    /// <param name="receiptId">A unique id supplied by the host (Core has no GUID source).</param>
    /// <param name="issuedAt">The signing time, supplied by the host.</param>
    public IssuedReceipt Issue(ReleaseFacts facts, string receiptId, DateTimeOffset issuedAt)
    {
        Check.NotNull(facts);
        Check.NotNullOrWhiteSpace(receiptId);
        Check.Utc(issuedAt);
        DateTimeOffset expiresAt = issuedAt + _options.Lifetime;
        var approvers = facts.Approvers.Select(a => new Dictionary<string, object?>
        {
            ["id"] = a.Id,
            ["name"] = a.DisplayName,
            ["auth_strength"] = a.AuthStrength,
            ["at"] = a.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
        }).ToList();
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime,
            Expires = expiresAt.UtcDateTime,
            TokenType = ReceiptClaims.TokenType,
            SigningCredentials = _credentials,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = facts.ActionId,
                [JwtRegisteredClaimNames.Jti] = receiptId,
                [ReceiptClaims.ActionId] = facts.ActionId,
                [ReceiptClaims.ActionDigest] = facts.ActionDigest,
                [ReceiptClaims.PolicyHash] = facts.PolicyHash,
                [ReceiptClaims.Decision] = Json.CoreJson.Name(facts.Basis),
                [ReceiptClaims.Approvers] = approvers,
                [ReceiptClaims.Region] = facts.Region,
            },
        };
        return new IssuedReceipt(_handler.CreateToken(descriptor), receiptId, issuedAt, expiresAt);
    }
}
