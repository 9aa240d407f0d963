using ApprovalFunctions.Microsoft365.Identity;
using ApprovalFunctions.Microsoft365.Outlook;
using ApprovalFunctions.Tests.Shared;

namespace ApprovalFunctions.Microsoft365.Tests.Outlook;

/// <summary>Outlook's Entra tokens (the model in force since June 2026) against a local issuer standing in for the tenant.</summary>
public sealed class ActionableMessageTokenValidatorTests : IAsyncLifetime
{
    private const string AppIdUri = "api://auth-am-1b2c3d4e/5f6a7b8c";
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

    private ActionableMessageTokenValidator Validator() => new(new OidcBearerValidator(new OidcIssuerOptions
    {
        MetadataAddress = _issuer.MetadataAddress,
        Audiences = { AppIdUri },
        TenantId = _issuer.TenantId,
        RequireHttpsMetadata = false,
    }, _http));

    private static Dictionary<string, object> Claims(string azp = ActionableMessageTokenValidator.ActionsAppId) => new()
    {
        ["azp"] = azp,
        ["oid"] = "9a8b7c6d-0000-4000-8000-000000000001",
        ["preferred_username"] = "Ann@Contoso.com",
        ["name"] = "Ann Owens",
    };

    [Fact]
    public async Task Validate_TokenFromTheActionsService_NamesTheUser()
    {
        ActionableMessageValidation result = await Validator().ValidateAsync("Bearer " + _issuer.Token(AppIdUri, Claims()));

        Assert.True(result.IsValid, result.Failure);
        Assert.Equal("ann@contoso.com", result.Caller!.Email);
        Assert.Equal("9a8b7c6d-0000-4000-8000-000000000001", result.Caller.ObjectId);
        Assert.Equal(_issuer.TenantId, result.Caller.TenantId);
    }

    [Fact]
    public async Task Validate_TokenOfAnotherApp_IsRefused()
    {
        ActionableMessageValidation result = await Validator().ValidateAsync("Bearer " + _issuer.Token(AppIdUri, Claims(azp: "11111111-2222-3333-4444-555555555555")));

        Assert.False(result.IsValid);
        Assert.Contains("Actionable Messages service", result.Failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer not-a-token")]
    public async Task Validate_MissingOrBadHeader_IsRefused(string? header) =>
        Assert.False((await Validator().ValidateAsync(header)).IsValid);

    [Fact]
    public async Task Validate_TokenForTheGatewayApiInsteadOfTheAppIdUri_IsRefused() =>
        Assert.False((await Validator().ValidateAsync("Bearer " + _issuer.Token("api://approvals-gateway", Claims()))).IsValid);
}
