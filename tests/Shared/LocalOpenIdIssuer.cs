using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Tests.Shared;

/// <summary>
/// A real OpenID Connect issuer on 127.0.0.1: metadata and JWKS over HTTP, RSA and EC signing keys, keys that can be
/// rotated, and tokens minted the way Entra ID shapes them. Validators under test fetch its metadata like Entra's.
/// </summary>
internal sealed class LocalOpenIdIssuer : IAsyncDisposable
{
    private readonly LocalHttpServer _server;
    private readonly object _gate = new();
    private List<SecurityKey> _keys = [];

    private LocalOpenIdIssuer(LocalHttpServer server, string tenantId)
    {
        _server = server;
        TenantId = tenantId;
        RotateKeys();
    }

    public string TenantId { get; }

    /// <summary>An issuer name to use instead of the Entra-shaped one (the Bot Framework's is <c>https://api.botframework.com</c>).</summary>
    public string? IssuerName { get; init; }

    /// <summary>Endorsements published with the RSA key (the Bot Framework lists the channels a key may sign for).</summary>
    public string[]? RsaEndorsements { get; init; }

    /// <summary>Endorsements published with the EC key.</summary>
    public string[]? EcEndorsements { get; init; }

    public Uri BaseAddress => _server.BaseAddress;

    /// <summary>The issuer claim, shaped like Entra's v2.0 issuer.</summary>
    public string Issuer => IssuerName ?? $"{BaseAddress}{TenantId}/v2.0";

    public string MetadataAddress => $"{BaseAddress}{TenantId}/v2.0/.well-known/openid-configuration";

    /// <summary>How many times the JWKS was fetched (key refreshes).</summary>
    public int KeyFetches => _server.Requests.Count(r => r.Path.EndsWith("/keys", StringComparison.Ordinal));

    public RsaSecurityKey Rsa { get; private set; } = null!;

    public ECDsaSecurityKey Ec { get; private set; } = null!;

    public static async Task<LocalOpenIdIssuer> StartAsync(string tenantId = "3f7c2a9e-5b1d-4c8e-9a6f-0d2b4e6a8c1f") => await StartAsync(tenantId, null, null, null);

    /// <summary>
    /// An issuer standing in for the Bot Framework's: issuer <c>https://api.botframework.com</c>, the RSA key endorsed for
    /// <c>msteams</c>, the EC key only for another channel.
    /// </summary>
    public static Task<LocalOpenIdIssuer> StartBotFrameworkAsync() =>
        StartAsync("botframework.com", "https://api.botframework.com", ["msteams", "skype"], ["webchat"]);

    private static async Task<LocalOpenIdIssuer> StartAsync(string tenantId, string? issuerName, string[]? rsaEndorsements, string[]? ecEndorsements)
    {
        LocalOpenIdIssuer? issuer = null;
        LocalHttpServer server = await LocalHttpServer.StartAsync((context, request) => issuer!.HandleAsync(context, request));
        issuer = new LocalOpenIdIssuer(server, tenantId) { IssuerName = issuerName, RsaEndorsements = rsaEndorsements, EcEndorsements = ecEndorsements };
        return issuer;
    }

    /// <summary>Replaces the signing keys with new ones (new key ids); tokens signed with the old keys stop validating.</summary>
    public void RotateKeys()
    {
        string suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var rsa = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "rsa-" + suffix };
        var ec = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "ec-" + suffix };
        lock (_gate)
        {
            Rsa = rsa;
            Ec = ec;
            _keys = [rsa, ec];
        }
    }

    /// <summary>A token like an Entra access token, signed with the RSA key unless <paramref name="key"/> says otherwise.</summary>
    public string Token(
        string audience,
        IDictionary<string, object>? claims = null,
        DateTimeOffset? notBefore = null,
        DateTimeOffset? expires = null,
        SecurityKey? key = null,
        string? issuer = null,
        string? tenantId = null)
    {
        SecurityKey signing = key ?? Rsa;
        string algorithm = signing is ECDsaSecurityKey ? SecurityAlgorithms.EcdsaSha256 : SecurityAlgorithms.RsaSha256;
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var all = new Dictionary<string, object>
        {
            ["tid"] = tenantId ?? TenantId,
            ["ver"] = "2.0",
        };
        foreach ((string name, object value) in claims ?? new Dictionary<string, object>())
        {
            all[name] = value;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            NotBefore = (notBefore ?? now.AddMinutes(-5)).UtcDateTime,
            IssuedAt = (notBefore ?? now.AddMinutes(-5)).UtcDateTime,
            Expires = (expires ?? now.AddHours(1)).UtcDateTime,
            Claims = all,
            SigningCredentials = new SigningCredentials(signing, algorithm),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>The same claims as <see cref="Token"/>, but with <c>alg: none</c> and no signature.</summary>
    public string UnsignedToken(string audience, IDictionary<string, object>? claims = null)
    {
        string[] parts = Token(audience, claims).Split('.');
        string header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        return header + "." + parts[1] + ".";
    }

    private Task HandleAsync(HttpContext context, RecordedRequest request)
    {
        if (request.Path == $"/{TenantId}/v2.0/.well-known/openid-configuration")
        {
            return Json(context, new JsonObject
            {
                ["issuer"] = Issuer,
                ["jwks_uri"] = $"{BaseAddress}{TenantId}/discovery/v2.0/keys",
                ["authorization_endpoint"] = $"{BaseAddress}{TenantId}/oauth2/v2.0/authorize",
                ["token_endpoint"] = $"{BaseAddress}{TenantId}/oauth2/v2.0/token",
                ["id_token_signing_alg_values_supported"] = new JsonArray("RS256", "ES256"),
            });
        }

        if (request.Path == $"/{TenantId}/discovery/v2.0/keys")
        {
            List<SecurityKey> keys;
            lock (_gate)
            {
                keys = [.. _keys];
            }

            return Json(context, new JsonObject { ["keys"] = new JsonArray([.. keys.Select(k => Endorsed(PublicJwk(k), k is RsaSecurityKey ? RsaEndorsements : EcEndorsements))]) });
        }

        context.Response.StatusCode = 404;
        return Task.CompletedTask;
    }

    private static JsonNode PublicJwk(SecurityKey key)
    {
        // Only the public halves are published.
        JsonWebKey jwk = key switch
        {
            RsaSecurityKey rsa => JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.Rsa.ExportParameters(false)) { KeyId = rsa.KeyId }),
            ECDsaSecurityKey ec => JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(ec.ECDsa.ExportParameters(false))) { KeyId = ec.KeyId }),
            _ => throw new NotSupportedException(key.GetType().Name),
        };
        var node = new JsonObject { ["kty"] = jwk.Kty, ["kid"] = jwk.Kid, ["use"] = "sig" };
        if (jwk.Kty == "RSA")
        {
            node["n"] = jwk.N;
            node["e"] = jwk.E;
        }
        else
        {
            node["crv"] = jwk.Crv;
            node["x"] = jwk.X;
            node["y"] = jwk.Y;
        }

        return node;
    }

    private static JsonNode Endorsed(JsonNode jwk, string[]? endorsements)
    {
        if (endorsements is not null)
        {
            jwk["endorsements"] = new JsonArray([.. endorsements.Select(e => (JsonNode)JsonValue.Create(e))]);
        }

        return jwk;
    }

    private static Task Json(HttpContext context, JsonNode body)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), Encoding.UTF8);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
