using ApprovalFunctions.Microsoft365.Identity;
using ApprovalFunctions.Tests.Shared;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Microsoft365.Tests.Identity;

/// <summary>Real validation against a local OpenID issuer's metadata and keys, as against Entra ID.</summary>
public sealed class OidcBearerValidatorTests : IAsyncLifetime
{
    private const string Audience = "api://approvals-gateway";
    private LocalOpenIdIssuer _issuer = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _issuer = await LocalOpenIdIssuer.StartAsync();
        _http = new HttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _issuer.DisposeAsync();
    }

    private OidcBearerValidator Validator(TimeSpan? unknownKeyRefresh = null) => new(new OidcIssuerOptions
    {
        MetadataAddress = _issuer.MetadataAddress,
        Audiences = { Audience },
        TenantId = _issuer.TenantId,
        RequireHttpsMetadata = false,
        UnknownKeyRefreshInterval = unknownKeyRefresh ?? TimeSpan.Zero,
    }.Validate("test"), _http);

    [Fact]
    public async Task Validate_RsaAndEcTokens_AreAcceptedWithTheirClaims()
    {
        OidcBearerValidator validator = Validator();

        BearerValidationResult rsa = await validator.ValidateAsync(_issuer.Token(Audience, new Dictionary<string, object> { ["oid"] = "user-1", ["scp"] = "Approvals.Decide" }));
        BearerValidationResult ec = await validator.ValidateAsync(_issuer.Token(Audience, key: _issuer.Ec));

        Assert.True(rsa.IsValid, rsa.Message);
        Assert.Equal("user-1", rsa.Identity!.FindFirst("oid")!.Value);
        Assert.Equal("Approvals.Decide", rsa.Identity.FindFirst("scp")!.Value);
        Assert.True(ec.IsValid, ec.Message);
    }

    public static TheoryData<string, BearerFailure> Refusals => new()
    {
        { "expired", BearerFailure.Expired },
        { "not-yet-valid", BearerFailure.NotYetValid },
        { "wrong-audience", BearerFailure.WrongAudience },
        { "wrong-issuer", BearerFailure.WrongIssuer },
        { "wrong-tenant", BearerFailure.WrongTenant },
        { "alg-none", BearerFailure.Unsigned },
        { "unknown-key", BearerFailure.UnknownKey },
        { "tampered", BearerFailure.BadSignature },
        { "garbage", BearerFailure.Malformed },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Validate_BadToken_IsRefusedWithItsReason(string kind, BearerFailure expected)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string token = kind switch
        {
            "expired" => _issuer.Token(Audience, notBefore: now.AddHours(-3), expires: now.AddHours(-1)),
            "not-yet-valid" => _issuer.Token(Audience, notBefore: now.AddHours(1), expires: now.AddHours(2)),
            "wrong-audience" => _issuer.Token("api://someone-else"),
            "wrong-issuer" => _issuer.Token(Audience, issuer: "https://login.microsoftonline.com/other/v2.0"),
            "wrong-tenant" => _issuer.Token(Audience, tenantId: "00000000-0000-0000-0000-000000000001"),
            "alg-none" => _issuer.UnsignedToken(Audience),
            "unknown-key" => _issuer.Token(Audience, key: new RsaSecurityKey(System.Security.Cryptography.RSA.Create(2048)) { KeyId = "stranger" }),
            "tampered" => Tamper(_issuer.Token(Audience, new Dictionary<string, object> { ["oid"] = "user-1" })),
            _ => "not-a-token",
        };

        BearerValidationResult result = await Validator().ValidateAsync(token);

        Assert.Equal(expected, result.Failure);
        Assert.Null(result.Identity);
        Assert.DoesNotContain(token, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ForgedKeyIdsInARow_RefetchTheKeysAtMostOncePerInterval()
    {
        OidcBearerValidator validator = Validator(unknownKeyRefresh: TimeSpan.FromMinutes(5));
        Assert.True((await validator.ValidateAsync(_issuer.Token(Audience))).IsValid);
        int fetchesBefore = _issuer.KeyFetches;

        for (int i = 0; i < 5; i++)
        {
            var stranger = new RsaSecurityKey(System.Security.Cryptography.RSA.Create(2048)) { KeyId = "stranger-" + i };
            Assert.Equal(BearerFailure.UnknownKey, (await validator.ValidateAsync(_issuer.Token(Audience, key: stranger))).Failure);
        }

        Assert.Equal(fetchesBefore + 1, _issuer.KeyFetches);
    }

    [Fact]
    public async Task Validate_AfterKeyRotation_RefreshesTheKeysOnceAndAcceptsNewTokens()
    {
        OidcBearerValidator validator = Validator();
        Assert.True((await validator.ValidateAsync(_issuer.Token(Audience))).IsValid);
        int fetchesBefore = _issuer.KeyFetches;

        _issuer.RotateKeys();
        BearerValidationResult afterRotation = await validator.ValidateAsync(_issuer.Token(Audience));

        Assert.True(afterRotation.IsValid, afterRotation.Message);
        Assert.Equal(fetchesBefore + 1, _issuer.KeyFetches);
    }

    private static string Tamper(string token)
    {
        string[] parts = token.Split('.');
        string payload = Base64UrlEncoder.Decode(parts[1]).Replace("user-1", "user-2", StringComparison.Ordinal);
        return parts[0] + "." + Base64UrlEncoder.Encode(payload) + "." + parts[2];
    }
}
