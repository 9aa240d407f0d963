using System.Security.Cryptography;
using ApprovalFunctions.Gateway.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Gateway.Release;

/// <summary>The receipt signing key: read from a PEM file, or generated on first start (EC P-256 or RSA 3072) and kept with owner-only permissions.</summary>
internal sealed class ReceiptKeyStore
{
    public ReceiptKeyStore(IOptions<ReceiptOptions> receipts, IOptions<GatewayOptions> gateway)
    {
        KeyPath = Path.GetFullPath(receipts.Value.KeyPath ?? Path.Combine(gateway.Value.StateDirectoryFullPath, "receipt-signing-key.pem"));
        if (!File.Exists(KeyPath))
        {
            Generate(KeyPath, receipts.Value.Algorithm);
            Generated = true;
        }

        string pem = File.ReadAllText(KeyPath);
        (SigningKey, PublicKey) = Load(pem);
    }

    public string KeyPath { get; }

    public bool Generated { get; }

    public SecurityKey SigningKey { get; }

    public SecurityKey PublicKey { get; }

    /// <summary>The public key as a JWK, for executors (<c>GET /api/receipts/keys</c>).</summary>
    public JsonWebKey PublicJwk()
    {
        JsonWebKey jwk = PublicKey switch
        {
            ECDsaSecurityKey ec => JsonWebKeyConverter.ConvertFromECDsaSecurityKey(ec),
            RsaSecurityKey rsa => JsonWebKeyConverter.ConvertFromRSASecurityKey(rsa),
            _ => throw new InvalidOperationException("Unsupported key."),
        };
        jwk.Use = "sig";
        jwk.Alg = PublicKey is RsaSecurityKey ? SecurityAlgorithms.RsaSha256 : SecurityAlgorithms.EcdsaSha256;
        return jwk;
    }

    /// <summary>Reads a PEM private or public key; the key id is a thumbprint of the public key.</summary>
    public static (SecurityKey Private, SecurityKey Public) Load(string pem)
    {
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

    private static string KeyId(byte[] subjectPublicKeyInfo) => "rcpt-" + Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];

    private static void Generate(string path, string algorithm)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string pem;
        if (algorithm == "RS256")
        {
            using var rsa = RSA.Create(3072);
            pem = rsa.ExportPkcs8PrivateKeyPem();
        }
        else
        {
            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            pem = ecdsa.ExportPkcs8PrivateKeyPem();
        }

        SecretFiles.Create(path, pem);
    }
}
