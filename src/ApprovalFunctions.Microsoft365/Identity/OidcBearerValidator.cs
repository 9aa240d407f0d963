using System.Security.Claims;
using ApprovalFunctions.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Microsoft365.Identity;

/// <summary>Which OpenID Connect issuer to trust and what its tokens must say.</summary>
public sealed class OidcIssuerOptions
{
    /// <summary>
    /// The issuer's metadata, for example <c>https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration</c>.
    /// </summary>
    public string MetadataAddress { get; set; } = string.Empty;

    /// <summary>Accepted audiences (the API's App ID URI and/or client id).</summary>
    public IList<string> Audiences { get; } = [];

    /// <summary>Accepted issuers; empty means the issuer named by the metadata.</summary>
    public IList<string> Issuers { get; } = [];

    /// <summary>When set, the token's <c>tid</c> claim must equal it (tenant pinning).</summary>
    public string? TenantId { get; set; }

    /// <summary>
    /// When set, the key that signed the token must carry this endorsement in the issuer's JWKS (<c>endorsements</c>,
    /// as the Bot Framework publishes per channel, e.g. <c>msteams</c>).
    /// </summary>
    public string? RequiredEndorsement { get; set; }

    /// <summary>Only a local test issuer may be served over plain HTTP.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>
    /// <see cref="RequireHttpsMetadata"/> for an issuer known only by its address: https is required unless the metadata is
    /// served from this machine (a local issuer, for development and tests), which nobody else can answer for.
    /// </summary>
    public static bool HttpsRequiredFor(string metadataAddress) =>
        !(Uri.TryCreate(metadataAddress, UriKind.Absolute, out Uri? metadata) && metadata.IsLoopback);

    /// <summary>Tolerance for clock differences.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the metadata and keys are fetched again in any case.</summary>
    public TimeSpan MetadataRefreshInterval { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// The shortest time between two fetches caused by tokens naming an unknown key, so that a stream of forged key ids
    /// cannot turn the validator into a load generator against the issuer.
    /// </summary>
    public TimeSpan UnknownKeyRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentException"/> naming what is missing or wrong.</summary>
    public OidcIssuerOptions Validate(string section)
    {
        if (!Uri.TryCreate(MetadataAddress, UriKind.Absolute, out Uri? metadata))
        {
            throw new ArgumentException($"{section}:MetadataAddress must be an absolute URL of an OpenID Connect metadata document.");
        }

        if (RequireHttpsMetadata && metadata.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"{section}:MetadataAddress must use https (RequireHttpsMetadata is on).");
        }

        if (Audiences.Count == 0 || Audiences.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"{section}:Audiences must list at least one audience.");
        }

        return this;
    }
}

/// <summary>Why a bearer token was refused.</summary>
public enum BearerFailure
{
    /// <summary>Not a JWT.</summary>
    Malformed,
    /// <summary>Unsigned, or signed with an algorithm that is not accepted.</summary>
    Unsigned,
    /// <summary>Signed by an unknown key (after refreshing the issuer's keys once).</summary>
    UnknownKey,
    /// <summary>The signature does not verify.</summary>
    BadSignature,
    /// <summary>From another issuer.</summary>
    WrongIssuer,
    /// <summary>For another audience.</summary>
    WrongAudience,
    /// <summary>Expired.</summary>
    Expired,
    /// <summary>Not valid yet.</summary>
    NotYetValid,
    /// <summary>From another tenant.</summary>
    WrongTenant,
    /// <summary>The issuer's metadata could not be fetched.</summary>
    MetadataUnavailable,
    /// <summary>The signing key is not endorsed for the required channel.</summary>
    NotEndorsed,
    /// <summary>Anything else the validator refused.</summary>
    Invalid,
}

/// <summary>The outcome of validating a bearer token.</summary>
/// <param name="Identity">The token's claims, when valid.</param>
/// <param name="Failure">Why not.</param>
/// <param name="Message">A sentence for logs (never contains the token).</param>
public sealed record BearerValidationResult(ClaimsIdentity? Identity, BearerFailure? Failure, string Message)
{
    /// <summary>True when the token is valid.</summary>
    public bool IsValid => Failure is null;
}

/// <summary>
/// Validates bearer tokens against an OpenID Connect issuer's metadata with Microsoft.IdentityModel: signature (RS256/ES256
/// and friends, never unsigned), issuer, audience, lifetime and optionally the tenant. Keys are refreshed once when a
/// token names an unknown key, so that key rotation works without a restart.
/// </summary>
public class OidcBearerValidator
{
    private static readonly string[] Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256,
    ];

    private readonly OidcIssuerOptions _options;
    private readonly IConfigurationManager<OpenIdConnectConfiguration> _configuration;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    /// <summary>Creates a validator that fetches the issuer's metadata over HTTP(S).</summary>
    public OidcBearerValidator(OidcIssuerOptions options, HttpClient httpClient, TimeProvider? time = null)
        : this(Check.NotNull(options), new RefreshingMetadata(options, Check.NotNull(httpClient), time ?? TimeProvider.System), time)
    {
    }

    /// <summary>Creates a validator over a given configuration source (for example a static configuration for a local issuer).</summary>
    public OidcBearerValidator(OidcIssuerOptions options, IConfigurationManager<OpenIdConnectConfiguration> configuration, TimeProvider? time = null)
    {
        _options = Check.NotNull(options);
        _configuration = Check.NotNull(configuration);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>For mocking.</summary>
    protected OidcBearerValidator()
    {
        _options = new OidcIssuerOptions();
        _configuration = null!;
        _time = TimeProvider.System;
    }

    /// <summary>The token of an <c>Authorization: Bearer …</c> header value; null for any other (or no) header.</summary>
    public static string? BearerToken(string? authorization)
    {
        const string scheme = "Bearer ";
        return authorization is not null && authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? authorization[scheme.Length..].Trim() : null;
    }

    /// <summary>Validates the token of an <c>Authorization</c> header value; no bearer token is <see cref="BearerFailure.Malformed"/>.</summary>
    public virtual Task<BearerValidationResult> ValidateHeaderAsync(string? authorization, CancellationToken cancellationToken = default) =>
        BearerToken(authorization) is string token ? ValidateAsync(token, cancellationToken) : Task.FromResult(Fail(BearerFailure.Malformed, "no bearer token"));

    /// <summary>Validates <paramref name="token"/>.</summary>
    public virtual async Task<BearerValidationResult> ValidateAsync(string token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(token) || !_handler.CanReadToken(token))
        {
            return Fail(BearerFailure.Malformed, "the bearer token is not a JWT");
        }

        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await _configuration.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            return Fail(BearerFailure.MetadataUnavailable, "the issuer's OpenID metadata could not be read: " + LogText.Sanitize(ex.Message, 200));
        }

        TokenValidationResult result = await ValidateAsync(token, configuration).ConfigureAwait(false);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // The issuer may have rotated its keys: refresh once and try again.
            _configuration.RequestRefresh();
            configuration = await _configuration.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
            result = await ValidateAsync(token, configuration).ConfigureAwait(false);
        }

        if (!result.IsValid)
        {
            return result.Exception switch
            {
                SecurityTokenSignatureKeyNotFoundException => Fail(BearerFailure.UnknownKey, "the token is signed by an unknown key"),
                SecurityTokenInvalidAlgorithmException => Fail(BearerFailure.Unsigned, "the token's algorithm is not accepted"),
                SecurityTokenInvalidSignatureException ex when ex.Message.Contains("IDX10504", StringComparison.Ordinal) => Fail(BearerFailure.Unsigned, "the token is not signed"),
                SecurityTokenInvalidSignatureException => Fail(BearerFailure.BadSignature, "the token's signature does not verify"),
                SecurityTokenInvalidIssuerException => Fail(BearerFailure.WrongIssuer, "the token is from another issuer"),
                SecurityTokenInvalidAudienceException => Fail(BearerFailure.WrongAudience, "the token is for another audience"),
                SecurityTokenExpiredException => Fail(BearerFailure.Expired, "the token has expired"),
                SecurityTokenNotYetValidException => Fail(BearerFailure.NotYetValid, "the token is not valid yet"),
                SecurityTokenInvalidSigningKeyException when _options.RequiredEndorsement is not null =>
                    Fail(BearerFailure.NotEndorsed, $"the token's signing key is not endorsed for {_options.RequiredEndorsement}"),
                _ => Fail(BearerFailure.Invalid, "the token is not valid: " + LogText.Sanitize(result.Exception?.GetType().Name, 80)),
            };
        }

        if (_options.TenantId is string tenant && !string.Equals(result.ClaimsIdentity.FindFirst("tid")?.Value, tenant, StringComparison.OrdinalIgnoreCase))
        {
            return Fail(BearerFailure.WrongTenant, "the token is from another tenant");
        }

        return new BearerValidationResult(result.ClaimsIdentity, null, "valid");
    }

    private Task<TokenValidationResult> ValidateAsync(string token, OpenIdConnectConfiguration configuration)
    {
        var parameters = new TokenValidationParameters
        {
            ValidAudiences = _options.Audiences,
            ValidIssuers = _options.Issuers.Count > 0 ? _options.Issuers : [configuration.Issuer],
            IssuerSigningKeys = configuration.SigningKeys,
            ValidAlgorithms = Algorithms,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            LifetimeValidator = ValidateLifetime,
            ValidateIssuerSigningKey = true,
            ClockSkew = _options.ClockSkew,
            TryAllIssuerSigningKeys = false,
            IssuerSigningKeyValidator = _options.RequiredEndorsement is null ? null : Endorsed(configuration, _options.RequiredEndorsement),
            NameClaimType = "name",
            RoleClaimType = "roles",
        };
        return _handler.ValidateTokenAsync(token, parameters);
    }

    /// <summary>
    /// A key validator that accepts only keys the issuer's JWKS lists with <paramref name="endorsement"/> among their
    /// <c>endorsements</c> (matched by key id: the resolved key may be a converted copy without the JWKS's extra members).
    /// </summary>
    private static IssuerSigningKeyValidator Endorsed(OpenIdConnectConfiguration configuration, string endorsement)
    {
        var endorsed = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonWebKey key in configuration.JsonWebKeySet?.Keys ?? [])
        {
            if (key.Kid is not null && key.AdditionalData.TryGetValue("endorsements", out object? value) && Strings(value).Contains(endorsement, StringComparer.OrdinalIgnoreCase))
            {
                endorsed.Add(key.Kid);
            }
        }

        return (key, _, _) => key?.KeyId is string kid && endorsed.Contains(kid)
            ? true
            : throw new SecurityTokenInvalidSigningKeyException("The signing key is not endorsed for the channel.");
    }

    private static IEnumerable<string> Strings(object? value) => value switch
    {
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Array } array => array.EnumerateArray().Select(e => e.ToString()),
        string one => [one],
        System.Collections.IEnumerable list => list.Cast<object?>().Select(e => e?.ToString() ?? string.Empty),
        _ => [],
    };

    /// <summary>Lifetime against the injected clock (hosts pass the system clock; tests pass their own).</summary>
    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        DateTime now = _time.GetUtcNow().UtcDateTime;
        if (expires is null)
        {
            throw new SecurityTokenNoExpirationException("The token has no expiry.");
        }

        if (expires.Value.ToUniversalTime() < now - _options.ClockSkew)
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = expires.Value };
        }

        if (notBefore is DateTime nbf && nbf.ToUniversalTime() > now + _options.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = nbf };
        }

        return true;
    }

    private static BearerValidationResult Fail(BearerFailure failure, string message) => new(null, failure, message);
}

/// <summary>
/// An issuer's metadata and keys, fetched on first use, again every <see cref="OidcIssuerOptions.MetadataRefreshInterval"/>,
/// and on request (a token naming an unknown key) at most every <see cref="OidcIssuerOptions.UnknownKeyRefreshInterval"/>.
/// A failed refetch keeps the last good metadata. Times come from the injected clock.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Lives as long as its validator; SemaphoreSlim needs disposing only when its wait handle is used, which it never is here.")]
internal sealed class RefreshingMetadata(OidcIssuerOptions options, HttpClient http, TimeProvider time) : IConfigurationManager<OpenIdConnectConfiguration>
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HttpDocumentRetriever _retriever = new(http) { RequireHttps = options.RequireHttpsMetadata };
    private OpenIdConnectConfiguration? _current;
    private DateTimeOffset _fetchedAt;
    private DateTimeOffset _lastRequested = DateTimeOffset.MinValue;
    private bool _refreshRequested;

    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        DateTimeOffset now = time.GetUtcNow();
        if (_current is { } current && !_refreshRequested && now - _fetchedAt < options.MetadataRefreshInterval)
        {
            return current;
        }

        await _gate.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            if (_current is { } fresh && !_refreshRequested && now - _fetchedAt < options.MetadataRefreshInterval)
            {
                return fresh;
            }

            try
            {
                _current = await OpenIdConnectConfigurationRetriever.GetAsync(options.MetadataAddress, _retriever, cancel).ConfigureAwait(false);
                _fetchedAt = time.GetUtcNow();
            }
            catch (Exception ex) when (_current is not null && ex is IOException or HttpRequestException or InvalidOperationException)
            {
                // The issuer is unreachable: keep validating with the keys we have; try again later.
                _fetchedAt = time.GetUtcNow() - options.MetadataRefreshInterval + options.UnknownKeyRefreshInterval;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                throw new InvalidOperationException(ex.Message, ex);
            }

            _refreshRequested = false;
            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void RequestRefresh()
    {
        DateTimeOffset now = time.GetUtcNow();
        if (now - _lastRequested >= options.UnknownKeyRefreshInterval)
        {
            _lastRequested = now;
            _refreshRequested = true;
        }
    }
}
