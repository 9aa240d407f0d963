using System.Security.Cryptography;
using System.Text;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.FunctionApp.Identity;
using ApprovalFunctions.Microsoft365.Identity;
using ApprovalFunctions.Tests.Shared;
using Microsoft.AspNetCore.Http;

namespace ApprovalFunctions.FunctionApp.Tests.Identity;

public sealed class CallerAuthenticatorTests : IAsyncLifetime
{
    private const string Audience = "api://approvals";
    private const string AgentKey = "ak_live_0123456789abcdef";
    private LocalOpenIdIssuer _issuer = null!;
    private HttpClient _http = null!;
    private CallerAuthenticator _authenticator = null!;

    public async Task InitializeAsync()
    {
        _issuer = await LocalOpenIdIssuer.StartAsync();
        _http = new HttpClient();
        var options = new ApprovalsOptions();
        options.ApiKeys.Add(new ApiKeySetting { Id = "agent-etl", Role = "agent", Owner = "owner-olga", KeyHash = Hash(AgentKey) });
        var validator = new OidcBearerValidator(new OidcIssuerOptions
        {
            MetadataAddress = _issuer.MetadataAddress,
            Audiences = { Audience },
            TenantId = _issuer.TenantId,
            RequireHttpsMetadata = false,
        }.Validate("Approvals:Issuers"), _http);
        _authenticator = new CallerAuthenticator(options, [validator]);
    }

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
        (TokenCaller? caller, string? failure) = await _authenticator.AuthenticateAsync(Request(header, value), CancellationToken.None);

        Assert.Null(failure);
        Assert.Equal("agent-etl", caller!.Id);
        Assert.Equal("owner-olga", caller.Owner);
        Assert.Equal([TokenCallers.Agent], caller.Roles);
    }

    [Fact]
    public async Task AuthenticateAsync_UnknownApiKey_FailsWithoutEchoingTheKey()
    {
        (TokenCaller? caller, string? failure) = await _authenticator.AuthenticateAsync(Request("X-Api-Key", "ak_guess"), CancellationToken.None);

        Assert.Null(caller);
        Assert.DoesNotContain("ak_guess", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticateAsync_NoCredentials_Fails()
    {
        (TokenCaller? caller, string? failure) = await _authenticator.AuthenticateAsync(new DefaultHttpContext().Request, CancellationToken.None);

        Assert.Null(caller);
        Assert.NotNull(failure);
    }

    [Fact]
    public async Task AuthenticateAsync_BearerWithDecideScope_IsAnApprover()
    {
        string token = _issuer.Token(Audience, new Dictionary<string, object>
        {
            ["oid"] = "user-dan", ["name"] = "Dan", ["preferred_username"] = "dan@contoso.com", ["scp"] = "Approvals.Decide",
        });

        (TokenCaller? caller, string? failure) = await _authenticator.AuthenticateAsync(Request("Authorization", "Bearer " + token), CancellationToken.None);

        Assert.True(caller is not null, failure);
        Assert.Equal("user-dan", caller.Id);
        Assert.Contains(TokenCallers.Approver, caller.Roles);
        Assert.DoesNotContain(TokenCallers.Agent, caller.Roles);
    }

    [Fact]
    public async Task AuthenticateAsync_BearerForAnotherAudience_Fails()
    {
        string token = _issuer.Token("api://someone-else", new Dictionary<string, object> { ["oid"] = "user-dan", ["scp"] = "Approvals.Decide" });

        (TokenCaller? caller, string? failure) = await _authenticator.AuthenticateAsync(Request("Authorization", "Bearer " + token), CancellationToken.None);

        Assert.Null(caller);
        Assert.StartsWith("The bearer token is not valid", failure, StringComparison.Ordinal);
    }

    private static HttpRequest Request(string header, string value)
    {
        var http = new DefaultHttpContext();
        http.Request.Headers[header] = value;
        return http.Request;
    }

    private static string Hash(string key) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
