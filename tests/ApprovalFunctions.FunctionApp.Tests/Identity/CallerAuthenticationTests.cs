using System.Security.Cryptography;
using System.Text;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.Api.Identity;
using ApprovalFunctions.Microsoft365.Identity;
using ApprovalFunctions.Tests.Shared;
using Microsoft.AspNetCore.Http;

namespace ApprovalFunctions.FunctionApp.Tests.Identity;

public sealed class CallerAuthenticationTests : IAsyncLifetime
{
    private const string Audience = "api://approvals";
    private const string ClientId = "6a0e3b53-30f8-4b45-9e53-8f2b8a7c0d11";
    private const string AgentKey = "ak_live_0123456789abcdef";
    private LocalOpenIdIssuer _issuer = null!;
    private HttpClient _http = null!;
    private CallerAuthentication _authenticator = null!;

    public async Task InitializeAsync()
    {
        _issuer = await LocalOpenIdIssuer.StartAsync();
        _http = new HttpClient();
        _authenticator = Authenticator(V1Issuer(_issuer.TenantId), _issuer.Issuer);
    }

    /// <summary>The app's own mapping from settings to a validator, with the issuers it accepts (none: the metadata's).</summary>
    private CallerAuthentication Authenticator(params string[] issuers)
    {
        var options = new ApprovalsOptions();
        options.ApiKeys.Add(new ApiKeySetting { Id = "agent-etl", Role = "agent", Owner = "owner-olga", KeyHash = Hash(AgentKey) });
        var setting = new IssuerSetting { MetadataAddress = _issuer.MetadataAddress, TenantId = _issuer.TenantId, Audiences = [Audience, ClientId], Issuers = [.. issuers] };
        options.Issuers.Add(setting);
        return ServiceRegistration.Callers(options, [new OidcBearerValidator(setting.ToValidatorOptions("Approvals:Issuers:0"), _http)]);
    }

    private static string V1Issuer(string tenant) => $"https://sts.windows.net/{tenant}/";

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _issuer.DisposeAsync();
    }

    [Theory]
    [InlineData("X-Api-Key", AgentKey)]
    [InlineData("Authorization", "ApiKey " + AgentKey)]
    public async Task AuthenticateAsync_KnownApiKey_IsItsCallerWithItsRole(string header, string value)
    {
        (TokenCaller? caller, _, string? failure) = await _authenticator.AuthenticateAsync(Request(header, value), CancellationToken.None);

        Assert.Null(failure);
        Assert.Equal("agent-etl", caller!.Id);
        Assert.Equal("owner-olga", caller.Owner);
        Assert.Equal([TokenCallers.Agent], caller.Roles);
    }

    [Fact]
    public async Task AuthenticateAsync_UnknownApiKey_FailsWithoutEchoingTheKey()
    {
        (TokenCaller? caller, _, string? failure) = await _authenticator.AuthenticateAsync(Request("X-Api-Key", "ak_guess"), CancellationToken.None);

        Assert.Null(caller);
        Assert.DoesNotContain("ak_guess", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticateAsync_NoCredentials_Fails()
    {
        (TokenCaller? caller, string? method, string? failure) = await _authenticator.AuthenticateAsync(new DefaultHttpContext().Request, CancellationToken.None);

        Assert.Null(caller);
        Assert.Null(method);
        Assert.Null(failure); // no credentials is not a failure of credentials: the host challenges with NoCredentials
    }

    [Fact]
    public async Task AuthenticateAsync_BearerWithDecideScope_IsAnApprover()
    {
        string token = _issuer.Token(Audience, new Dictionary<string, object>
        {
            ["oid"] = "user-dan", ["name"] = "Dan", ["preferred_username"] = "dan@contoso.com", ["scp"] = "Approvals.Decide",
        });

        (TokenCaller? caller, _, string? failure) = await _authenticator.AuthenticateAsync(Request("Authorization", "Bearer " + token), CancellationToken.None);

        Assert.True(caller is not null, failure);
        Assert.Equal("user-dan", caller.Id);
        Assert.Contains(TokenCallers.Approver, caller.Roles);
        Assert.DoesNotContain(TokenCallers.Agent, caller.Roles);
    }

    [Fact]
    public async Task AuthenticateAsync_BearerForAnotherAudience_Fails()
    {
        string token = _issuer.Token("api://someone-else", new Dictionary<string, object> { ["oid"] = "user-dan", ["scp"] = "Approvals.Decide" });

        (TokenCaller? caller, _, string? failure) = await _authenticator.AuthenticateAsync(Request("Authorization", "Bearer " + token), CancellationToken.None);

        Assert.Null(caller);
        Assert.StartsWith("The bearer token is not valid", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticateAsync_EntraV2TokenForTheClientId_IsTheApprover()
    {
        string token = _issuer.Token(ClientId, new Dictionary<string, object>
        {
            ["oid"] = "user-dan", ["preferred_username"] = "dan@contoso.com", ["azp"] = "portal-spa", ["scp"] = "Approvals.Decide",
        });

        (TokenCaller? caller, _, string? failure) = await _authenticator.AuthenticateAsync(Request("Authorization", "Bearer " + token), CancellationToken.None);

        Assert.True(caller is not null, failure);
        Assert.Equal("user-dan", caller.Id);
        Assert.Equal("dan@contoso.com", caller.Email);
    }

    [Fact]
    public async Task AuthenticateAsync_EntraV1TokenFromStsForTheAppIdUri_IsTheApprover()
    {
        string token = _issuer.Token(Audience, V1Claims(), issuer: V1Issuer(_issuer.TenantId));

        (TokenCaller? caller, _, string? failure) = await _authenticator.AuthenticateAsync(Request("Authorization", "Bearer " + token), CancellationToken.None);

        Assert.True(caller is not null, failure);
        Assert.Equal("user-dan", caller.Id);
        Assert.Equal("dan@contoso.com", caller.Email);
        Assert.Contains(TokenCallers.Approver, caller.Roles);
    }

    [Fact]
    public async Task AuthenticateAsync_EntraV1Token_RefusedWhenOnlyTheMetadatasIssuerIsTrusted()
    {
        string token = _issuer.Token(Audience, V1Claims(), issuer: V1Issuer(_issuer.TenantId));

        (TokenCaller? caller, _, string? failure) = await Authenticator().AuthenticateAsync(Request("Authorization", "Bearer " + token), CancellationToken.None);

        Assert.Null(caller);
        Assert.Contains("another issuer", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticateAsync_V1TokenOfAnotherTenantsSts_Refused()
    {
        const string OtherTenant = "9d1c6f3e-2a4b-4e8f-b7a1-5c3d2e1f0a9b";
        string token = _issuer.Token(Audience, V1Claims(), issuer: V1Issuer(OtherTenant), tenantId: OtherTenant);

        (TokenCaller? caller, _, string? failure) = await _authenticator.AuthenticateAsync(Request("Authorization", "Bearer " + token), CancellationToken.None);

        Assert.Null(caller);
        Assert.Contains("another issuer", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void ToValidatorOptions_PlainHttpMetadataOffThisMachine_RefusedNamingTheSetting()
    {
        var setting = new IssuerSetting { MetadataAddress = "http://login.example.com/t/v2.0/.well-known/openid-configuration", Audiences = [Audience] };

        var refused = Assert.Throws<ArgumentException>(() => setting.ToValidatorOptions("Approvals:Issuers:3"));

        Assert.StartsWith("Approvals:Issuers:3:MetadataAddress must use https", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>What an Entra v1 access token carries instead of the v2 claims: <c>ver</c> 1.0, <c>upn</c>, <c>appid</c>.</summary>
    private static Dictionary<string, object> V1Claims() => new()
    {
        ["ver"] = "1.0", ["oid"] = "user-dan", ["upn"] = "dan@contoso.com", ["unique_name"] = "dan@contoso.com", ["appid"] = "portal-spa",
        ["scp"] = "Approvals.Decide",
    };

    private static HttpRequest Request(string header, string value)
    {
        var http = new DefaultHttpContext();
        http.Request.Headers[header] = value;
        return http.Request;
    }

    private static string Hash(string key) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
