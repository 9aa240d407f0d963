using System.Security.Cryptography;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Gateway.Identity;

/// <summary>
/// Development mode's local token issuer: a key kept in the state directory, OpenID metadata and JWKS served under
/// <c>/dev</c>, and tokens for the people in the identities file. The gateway validates these tokens with the same
/// <see cref="OidcBearerValidator"/> as any other issuer; only where the metadata comes from differs.
/// </summary>
internal sealed class DevIssuer
{
    public const string Audience = "approvals-dev";

    private static readonly string[] PasswordAndMfa = ["pwd", "mfa"];
    private static readonly string[] AuditorRoles = ["Approvals.Auditor"];

    private readonly ECDsaSecurityKey _key;
    private readonly JsonWebTokenHandler _handler = new();

    public DevIssuer(string keyPath, Uri baseUrl)
    {
        ECDsa ecdsa = ECDsa.Create();
        if (File.Exists(keyPath))
        {
            ecdsa.ImportFromPem(File.ReadAllText(keyPath));
        }
        else
        {
            ecdsa.GenerateKey(ECCurve.NamedCurves.nistP256);
            Hosting.SecretFiles.Create(keyPath, ecdsa.ExportECPrivateKeyPem());
        }

        _key = new ECDsaSecurityKey(ecdsa) { KeyId = "dev-" + Convert.ToHexStringLower(SHA256.HashData(ecdsa.ExportSubjectPublicKeyInfo()))[..12] };
        Issuer = new Uri(baseUrl, "dev").ToString();
        Configuration = new OpenIdConnectConfiguration
        {
            Issuer = Issuer,
            JwksUri = new Uri(baseUrl, "dev/jwks").ToString(),
            TokenEndpoint = new Uri(baseUrl, "dev/token").ToString(),
        };
        Configuration.SigningKeys.Add(PublicKey());
        Configuration.JsonWebKeySet = new JsonWebKeySet();
        Configuration.JsonWebKeySet.Keys.Add(Jwk());
    }

    public string Issuer { get; }

    public OpenIdConnectConfiguration Configuration { get; }

    /// <summary>A validator for dev tokens, configured like any issuer.</summary>
    public OidcBearerValidator Validator(TimeProvider time)
    {
        var options = new OidcIssuerOptions { MetadataAddress = Configuration.Issuer + "/.well-known/openid-configuration", RequireHttpsMetadata = false };
        options.Audiences.Add(Audience);
        return new OidcBearerValidator(options, new StaticConfigurationManager<OpenIdConnectConfiguration>(Configuration), time);
    }

    /// <summary>A token for a person in the identities file, valid for 8 hours.</summary>
    public string TokenFor(PersonEntry person, bool auditor, DateTimeOffset now) => _handler.CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = Audience,
        IssuedAt = now.UtcDateTime,
        NotBefore = now.UtcDateTime,
        Expires = now.AddHours(8).UtcDateTime,
        SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.EcdsaSha256),
        Claims = new Dictionary<string, object>
        {
            ["oid"] = person.Id,
            ["sub"] = person.Id,
            ["name"] = person.DisplayName ?? person.Id,
            ["preferred_username"] = person.Email ?? person.Id,
            ["scp"] = "Approvals.Decide",
            ["amr"] = PasswordAndMfa,
            ["roles"] = auditor ? AuditorRoles : Array.Empty<string>(),
        },
    });

    public JsonWebKey Jwk()
    {
        JsonWebKey jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(PublicKey());
        jwk.Use = "sig";
        jwk.Alg = SecurityAlgorithms.EcdsaSha256;
        return jwk;
    }

    private ECDsaSecurityKey PublicKey()
    {
        var ecdsa = ECDsa.Create(_key.ECDsa.ExportParameters(includePrivateParameters: false));
        return new ECDsaSecurityKey(ecdsa) { KeyId = _key.KeyId };
    }
}
