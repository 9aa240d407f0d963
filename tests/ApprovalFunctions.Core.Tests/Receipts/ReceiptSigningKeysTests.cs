using System.Security.Cryptography;
using ApprovalFunctions.Core.Receipts;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Core.Tests.Receipts;

/// <summary>Only keys the JWKS describes truthfully load: EC P-256 (ES256) and RSA of 2048 bits or more (RS256).</summary>
public sealed class ReceiptSigningKeysTests
{
    [Fact]
    public void FromPem_P256Key_LoadsWithTheSameKeyIdForBothHalves()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        (SecurityKey signing, SecurityKey verifying) = ReceiptSigningKeys.FromPem(key.ExportPkcs8PrivateKeyPem());

        Assert.Equal(signing.KeyId, verifying.KeyId);
        Assert.Equal("P-256", ReceiptSigningKeys.Jwks(verifying)["keys"]![0]!["crv"]!.GetValue<string>());
    }

    [Fact]
    public void FromPem_Rsa2048Key_Loads()
    {
        using var key = RSA.Create(2048);

        Assert.IsType<RsaSecurityKey>(ReceiptSigningKeys.FromPem(key.ExportPkcs8PrivateKeyPem()).Private);
    }

    [Theory]
    [InlineData("nistP384", "ES256 receipts need the P-256 curve")]
    [InlineData("nistP521", "ES256 receipts need the P-256 curve")]
    [InlineData("rsa1024", "1024-bit RSA key; RS256 receipts need at least 2048 bits")]
    public void FromPem_KeyTheJwksWouldMisdescribe_RefusedNamingWhy(string kind, string reason)
    {
        string pem = kind switch
        {
            "nistP384" => ECDsa.Create(ECCurve.NamedCurves.nistP384).ExportPkcs8PrivateKeyPem(),
            "nistP521" => ECDsa.Create(ECCurve.NamedCurves.nistP521).ExportPkcs8PrivateKeyPem(),
            _ => RSA.Create(1024).ExportPkcs8PrivateKeyPem(),
        };

        var refused = Assert.Throws<ArgumentException>(() => ReceiptSigningKeys.FromPem(pem));

        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }
}
