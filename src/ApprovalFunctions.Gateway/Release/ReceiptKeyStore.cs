using System.Security.Cryptography;
using ApprovalFunctions.Core.Receipts;
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
        try
        {
            (SigningKey, PublicKey) = ReceiptSigningKeys.FromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            // Named at start-up (Receipts:KeyPath), like every other setting; the gateway does not start.
            throw new InvalidOperationException($"Receipts:KeyPath {KeyPath}: {ex.Message}", ex);
        }
    }

    public string KeyPath { get; }

    public bool Generated { get; }

    public SecurityKey SigningKey { get; }

    public SecurityKey PublicKey { get; }

    /// <summary>The JWKS executors fetch (<c>GET /api/receipts/keys</c>).</summary>
    public System.Text.Json.Nodes.JsonObject Jwks() => ReceiptSigningKeys.Jwks(PublicKey);

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
