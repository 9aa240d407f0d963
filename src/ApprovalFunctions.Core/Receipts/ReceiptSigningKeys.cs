using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Core.Receipts;

/// <summary>The receipt signing key as hosts hold it (PEM), and its public half as executors fetch it (JWKS).</summary>
public static class ReceiptSigningKeys
{
    /// <summary>
    /// Reads a PEM private (or public) key, EC P-256 or RSA; the key id is a thumbprint of the public key, so both hosts
    /// name the same key the same way. Throws <see cref="ArgumentException"/> when the PEM holds neither.
    /// </summary>
    public static (SecurityKey Private, SecurityKey Public) FromPem(string pem)
    {
        Check.NotNullOrWhiteSpace(pem);
        try
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportFromPem(pem);
            string kid = KeyId(ecdsa.ExportSubjectPublicKeyInfo());
            var publicOnly = ECDsa.Create(ecdsa.ExportParameters(false));
            return (new ECDsaSecurityKey(ecdsa) { KeyId = kid }, new ECDsaSecurityKey(publicOnly) { KeyId = kid });
        }
        catch (ArgumentException)
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            string kid = KeyId(rsa.ExportSubjectPublicKeyInfo());
            var publicOnly = RSA.Create(rsa.ExportParameters(false));
            return (new RsaSecurityKey(rsa) { KeyId = kid }, new RsaSecurityKey(publicOnly) { KeyId = kid });
        }
    }

    /// <summary>The JWKS document (<c>{"keys":[…]}</c>) with the public key: only public parameters, <c>use: sig</c>, the algorithm.</summary>
    public static JsonObject Jwks(SecurityKey publicKey)
    {
        Check.NotNull(publicKey);
        JsonObject key = publicKey switch
        {
            ECDsaSecurityKey ec => Ec(ec),
            RsaSecurityKey rsa => Rsa(rsa),
            _ => throw new ArgumentException("Receipt keys are EC P-256 or RSA.", nameof(publicKey)),
        };
        return new JsonObject { ["keys"] = new JsonArray(key) };
    }

    private static JsonObject Ec(ECDsaSecurityKey key)
    {
        ECParameters parameters = key.ECDsa.ExportParameters(false);
        return new JsonObject
        {
            ["kty"] = "EC",
            ["kid"] = key.KeyId,
            ["use"] = "sig",
            ["alg"] = SecurityAlgorithms.EcdsaSha256,
            ["crv"] = "P-256",
            ["x"] = Base64UrlEncoder.Encode(parameters.Q.X),
            ["y"] = Base64UrlEncoder.Encode(parameters.Q.Y),
        };
    }

    private static JsonObject Rsa(RsaSecurityKey key)
    {
        RSAParameters parameters = key.Rsa?.ExportParameters(false) ?? key.Parameters;
        return new JsonObject
        {
            ["kty"] = "RSA",
            ["kid"] = key.KeyId,
            ["use"] = "sig",
            ["alg"] = SecurityAlgorithms.RsaSha256,
            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
            ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
        };
    }

    private static string KeyId(byte[] subjectPublicKeyInfo) => "rcpt-" + Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];
}
