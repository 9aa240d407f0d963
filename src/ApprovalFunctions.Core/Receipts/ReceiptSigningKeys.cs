using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Core.Receipts;

/// <summary>The receipt signing key as hosts hold it (PEM), and its public half as executors fetch it (JWKS).</summary>
public static class ReceiptSigningKeys
{
    /// <summary>The smallest RSA key accepted for RS256 receipts.</summary>
    public const int MinimumRsaBits = 2048;

    /// <summary>
    /// Reads a PEM private (or public) key: EC on the P-256 curve (ES256) or RSA of at least <see cref="MinimumRsaBits"/>
    /// bits (RS256), the only keys the JWKS can describe truthfully. The key id is a thumbprint of the public key, so both
    /// hosts name the same key the same way. Throws <see cref="ArgumentException"/> naming what is wrong otherwise.
    /// </summary>
    public static (SecurityKey Private, SecurityKey Public) FromPem(string pem)
    {
        Check.NotNullOrWhiteSpace(pem);
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            // Not EC: an RSA PEM (its own label, or PKCS#8 "PRIVATE KEY" holding an RSA key).
            ecdsa.Dispose();
            return FromRsaPem(pem);
        }

        ECCurve curve = ecdsa.ExportParameters(false).Curve;
        if (curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            string name = curve.Oid.FriendlyName ?? curve.Oid.Value ?? "an unnamed curve";
            ecdsa.Dispose();
            throw new ArgumentException($"The receipt signing key is an EC key on {name}; ES256 receipts need the P-256 curve.", nameof(pem));
        }

        string kid = KeyId(ecdsa.ExportSubjectPublicKeyInfo());
        var publicOnly = ECDsa.Create(ecdsa.ExportParameters(false));
        return (new ECDsaSecurityKey(ecdsa) { KeyId = kid }, new ECDsaSecurityKey(publicOnly) { KeyId = kid });
    }

    private static (SecurityKey Private, SecurityKey Public) FromRsaPem(string pem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        if (rsa.KeySize < MinimumRsaBits)
        {
            int bits = rsa.KeySize;
            rsa.Dispose();
            throw new ArgumentException($"The receipt signing key is a {bits}-bit RSA key; RS256 receipts need at least {MinimumRsaBits} bits.", nameof(pem));
        }

        string kid = KeyId(rsa.ExportSubjectPublicKeyInfo());
        var publicOnly = RSA.Create(rsa.ExportParameters(false));
        return (new RsaSecurityKey(rsa) { KeyId = kid }, new RsaSecurityKey(publicOnly) { KeyId = kid });
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
