using System.Security.Cryptography;
using System.Text;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Receipts;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Core.Tests.Receipts;

public sealed class ReceiptTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ECDsa _otherEc = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ActionRequest _action = ActionParser.Parse("""{"type":"db.write.rows","summary":"Fix 12 rows","data":{"sourceRegion":"westeurope"}}""").Action!;

    public void Dispose()
    {
        _ec.Dispose();
        _rsa.Dispose();
        _otherEc.Dispose();
    }

    private ECDsaSecurityKey EcKey => new(_ec) { KeyId = "ec-1" };

    private RsaSecurityKey RsaKey => new(_rsa) { KeyId = "rsa-1" };

    private ReleaseFacts Facts(string? digest = null) => new("act-1", digest ?? _action.Digest, "sha256:policy", ReleaseBasis.Approved,
        [new ReceiptApprover("owner-ann", "Ann", "mfa", Now.AddMinutes(-5)), new ReceiptApprover("dba-dan", "Dan", "phishingResistant", Now.AddMinutes(-1))], "westeurope");

    private IssuedReceipt Issue(SecurityKey key, string audience = "executor://etl", string issuer = "https://approvals.contoso.com", DateTimeOffset? at = null) =>
        new ReceiptIssuer(new ReceiptIssuerOptions { Issuer = issuer, Audience = audience, SigningKey = key }).Issue(Facts(), "rcpt-" + Guid.NewGuid().ToString("N"), at ?? Now);

    private ReceiptVerifier Verifier(params SecurityKey[] keys) => new(new ReceiptVerifierOptions
    {
        Issuer = "https://approvals.contoso.com",
        Audience = "executor://etl",
        SigningKeys = keys.Length > 0 ? keys : [EcKey, RsaKey],
    });

    [Theory]
    [InlineData("ES256")]
    [InlineData("RS256")]
    public async Task Verify_FreshReceipt_IsValidAndCarriesTheFacts(string algorithm)
    {
        IssuedReceipt issued = Issue(algorithm == "ES256" ? EcKey : RsaKey);

        ReceiptVerification result = await Verifier().VerifyAsync(issued.Jws, _action, Now.AddMinutes(1), new InMemoryReceiptUseRegistry());

        Assert.True(result.IsValid, result.Message);
        ApprovalReceipt receipt = result.Receipt!;
        Assert.Equal(issued.ReceiptId, receipt.ReceiptId);
        Assert.Equal("act-1", receipt.ActionId);
        Assert.Equal(_action.Digest, receipt.ActionDigest);
        Assert.Equal("sha256:policy", receipt.PolicyHash);
        Assert.Equal("approved", receipt.Basis);
        Assert.Equal(["owner-ann", "dba-dan"], receipt.Approvers.Select(a => a.Id));
        Assert.Equal(["mfa", "phishingResistant"], receipt.Approvers.Select(a => a.AuthStrength));
        Assert.Equal(Now.AddMinutes(15), receipt.ExpiresAt);
        Assert.Equal(algorithm, Header(issued.Jws)["alg"]);
        Assert.Equal(ReceiptClaims.TokenType, Header(issued.Jws)["typ"]);
    }

    [Fact]
    public async Task Verify_SecondUse_IsRefused()
    {
        IssuedReceipt issued = Issue(EcKey);
        var used = new InMemoryReceiptUseRegistry();

        Assert.True((await Verifier().VerifyAsync(issued.Jws, _action, Now, used)).IsValid);
        ReceiptVerification again = await Verifier().VerifyAsync(issued.Jws, _action, Now, used);

        Assert.Equal(ReceiptFailure.AlreadyUsed, again.Failure);
    }

    [Fact]
    public async Task Verify_AnotherAction_IsADigestMismatchAndIsNotMarkedUsed()
    {
        IssuedReceipt issued = Issue(EcKey);
        ActionRequest other = ActionParser.Parse("""{"type":"db.write.rows","summary":"Fix 13 rows","data":{"sourceRegion":"westeurope"}}""").Action!;
        var used = new InMemoryReceiptUseRegistry();

        Assert.Equal(ReceiptFailure.DigestMismatch, (await Verifier().VerifyAsync(issued.Jws, other, Now, used)).Failure);
        Assert.True((await Verifier().VerifyAsync(issued.Jws, _action, Now, used)).IsValid);
    }

    [Fact]
    public async Task Verify_Expired_IsRefused() =>
        Assert.Equal(ReceiptFailure.Expired, (await Verifier().VerifyAsync(Issue(EcKey).Jws, _action, Now.AddMinutes(16), new InMemoryReceiptUseRegistry())).Failure);

    [Fact]
    public async Task Verify_NotYetValid_IsRefused() =>
        Assert.Equal(ReceiptFailure.NotYetValid, (await Verifier().VerifyAsync(Issue(EcKey, at: Now.AddHours(1)).Jws, _action, Now, new InMemoryReceiptUseRegistry())).Failure);

    [Fact]
    public async Task Verify_WrongAudience_IsRefused() =>
        Assert.Equal(ReceiptFailure.WrongAudience, (await Verifier().VerifyAsync(Issue(EcKey, audience: "executor://other").Jws, _action, Now, new InMemoryReceiptUseRegistry())).Failure);

    [Fact]
    public async Task Verify_WrongIssuer_IsRefused() =>
        Assert.Equal(ReceiptFailure.WrongIssuer, (await Verifier().VerifyAsync(Issue(EcKey, issuer: "https://evil.example").Jws, _action, Now, new InMemoryReceiptUseRegistry())).Failure);

    [Fact]
    public async Task Verify_UnknownKey_IsRefused()
    {
        IssuedReceipt issued = Issue(new ECDsaSecurityKey(_otherEc) { KeyId = "ec-unknown" });

        Assert.Equal(ReceiptFailure.UnknownKey, (await Verifier().VerifyAsync(issued.Jws, _action, Now, new InMemoryReceiptUseRegistry())).Failure);
    }

    [Fact]
    public async Task Verify_ForgedSignatureUnderAKnownKeyId_IsABadSignature()
    {
        IssuedReceipt issued = Issue(new ECDsaSecurityKey(_otherEc) { KeyId = "ec-1" });

        Assert.Equal(ReceiptFailure.BadSignature, (await Verifier().VerifyAsync(issued.Jws, _action, Now, new InMemoryReceiptUseRegistry())).Failure);
    }

    [Fact]
    public async Task Verify_TamperedPayload_IsABadSignature()
    {
        string[] parts = Issue(EcKey).Jws.Split('.');
        string payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("\"approved\"", "\"allowed\"", StringComparison.Ordinal);
        string tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";

        Assert.Equal(ReceiptFailure.BadSignature, (await Verifier().VerifyAsync(tampered, _action, Now, new InMemoryReceiptUseRegistry())).Failure);
    }

    [Fact]
    public async Task Verify_AlgNone_IsRefused()
    {
        string[] parts = Issue(EcKey).Jws.Split('.');
        string header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"approval-receipt+jwt","kid":"ec-1"}""");

        ReceiptVerification result = await Verifier().VerifyAsync($"{header}.{parts[1]}.", _action, Now, new InMemoryReceiptUseRegistry());

        Assert.Equal(ReceiptFailure.UnsupportedAlgorithm, result.Failure);
    }

    [Fact]
    public async Task Verify_HmacWithThePublicKeyAsSecret_IsRefused()
    {
        // The classic key-confusion attack: HS256 "signed" with public key bytes.
        string[] parts = Issue(RsaKey).Jws.Split('.');
        string header = Base64UrlEncoder.Encode("""{"alg":"HS256","typ":"approval-receipt+jwt","kid":"rsa-1"}""");
        byte[] signature = HMACSHA256.HashData(_rsa.ExportSubjectPublicKeyInfo(), Encoding.ASCII.GetBytes($"{header}.{parts[1]}"));

        ReceiptVerification result = await Verifier().VerifyAsync($"{header}.{parts[1]}.{Base64UrlEncoder.Encode(signature)}", _action, Now, new InMemoryReceiptUseRegistry());

        Assert.Equal(ReceiptFailure.UnsupportedAlgorithm, result.Failure);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a token")]
    [InlineData("a.b")]
    public async Task Verify_Garbage_IsMalformed(string jws) =>
        Assert.Equal(ReceiptFailure.Malformed, (await Verifier().VerifyAsync(jws, _action, Now, new InMemoryReceiptUseRegistry())).Failure);

    [Fact]
    public void Issue_KeyWithoutKeyId_IsRefusedAtConstruction() =>
        Assert.Throws<ArgumentException>(() => new ReceiptIssuer(new ReceiptIssuerOptions { Issuer = "i", Audience = "a", SigningKey = new ECDsaSecurityKey(_ec) }));

    [Fact]
    public void IssuedReceipt_Hash_IsTheSha256OfTheJws()
    {
        IssuedReceipt issued = Issue(EcKey);

        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(issued.Jws))), issued.Hash);
    }

    private static Dictionary<string, string> Header(string jws) =>
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object>>(Base64UrlEncoder.Decode(jws.Split('.')[0]))!
            .ToDictionary(p => p.Key, p => p.Value.ToString()!);
}
