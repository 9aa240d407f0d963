using ApprovalFunctions.Microsoft365.Identity;
using ApprovalFunctions.Tests.Shared;

namespace ApprovalFunctions.Microsoft365.Tests.Identity;

/// <summary>
/// Keys endorsed per channel, as the Bot Framework publishes them: with <see cref="OidcIssuerOptions.RequiredEndorsement"/>
/// only a token signed by a key endorsed for that channel validates.
/// </summary>
public sealed class EndorsementTests : IAsyncLifetime
{
    private const string BotId = "0b7f3c1e-2d4a-4e59-8a61-5c3d2e1f0a9b";
    private LocalOpenIdIssuer _botFramework = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _botFramework = await LocalOpenIdIssuer.StartBotFrameworkAsync(); // RSA endorsed for msteams and skype, EC for webchat
        _http = new HttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _botFramework.DisposeAsync();
    }

    [Fact]
    public async Task Validate_KeyEndorsedForTheChannel_IsAccepted()
    {
        BearerValidationResult result = await Validator("msteams").ValidateAsync(_botFramework.Token(BotId));

        Assert.True(result.IsValid, result.Message);
    }

    [Fact]
    public async Task Validate_KeyEndorsedForAnotherChannelOnly_IsRefusedNamingTheEndorsement()
    {
        BearerValidationResult result = await Validator("msteams").ValidateAsync(_botFramework.Token(BotId, key: _botFramework.Ec));

        Assert.Equal(BearerFailure.NotEndorsed, result.Failure);
        Assert.Contains("msteams", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_NoEndorsementRequired_AnyKeyOfTheIssuerIsAccepted()
    {
        BearerValidationResult result = await Validator(null).ValidateAsync(_botFramework.Token(BotId, key: _botFramework.Ec));

        Assert.True(result.IsValid, result.Message);
    }

    [Fact]
    public async Task Validate_KeysRotatedToOnesWithoutTheEndorsement_AreRefused()
    {
        OidcBearerValidator validator = Validator("webchat");
        Assert.True((await validator.ValidateAsync(_botFramework.Token(BotId, key: _botFramework.Ec))).IsValid);

        BearerValidationResult rsa = await validator.ValidateAsync(_botFramework.Token(BotId));

        Assert.Equal(BearerFailure.NotEndorsed, rsa.Failure);
    }

    private OidcBearerValidator Validator(string? endorsement) => new(new OidcIssuerOptions
    {
        MetadataAddress = _botFramework.MetadataAddress,
        Audiences = { BotId },
        Issuers = { "https://api.botframework.com" },
        RequireHttpsMetadata = false,
        RequiredEndorsement = endorsement,
    }.Validate("test"), _http);
}
