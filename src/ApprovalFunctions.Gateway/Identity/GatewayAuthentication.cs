using System.Security.Claims;
using System.Text.Encodings.Web;
using ApprovalFunctions.Gateway.Api;
using ApprovalFunctions.Gateway.Hosting;
using ApprovalFunctions.Gateway.Logging;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Identity;

/// <summary>The trusted token issuers, dev issuer first when development mode is on.</summary>
internal sealed record BearerValidators(IReadOnlyList<OidcBearerValidator> All);

/// <summary>
/// Authenticates every request: an API key (<c>X-Api-Key</c> or <c>Authorization: ApiKey …</c>) or a bearer token from a
/// trusted issuer. Challenges and refusals are answered as <c>application/problem+json</c>.
/// </summary>
internal sealed class GatewayAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyStore keys,
    BearerValidators validators,
    IOptions<IdentityOptions> identity) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Approvals";

    private readonly ILogger _log = loggerFactory.CreateLogger("ApprovalFunctions.Gateway.Authentication");

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? authorization = Request.Headers.Authorization;
        string? apiKey = Request.Headers["X-Api-Key"];
        if (apiKey is null && authorization?.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase) == true)
        {
            apiKey = authorization[7..].Trim();
        }

        if (!string.IsNullOrEmpty(apiKey))
        {
            Caller? caller = keys.Find(apiKey);
            if (caller is null)
            {
                Log.AuthenticationFailed(_log, "api-key", "unknown API key");
                return AuthenticateResult.Fail("The API key is not valid.");
            }

            return Success(caller);
        }

        if (authorization?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) != true)
        {
            return AuthenticateResult.NoResult();
        }

        string token = authorization[7..].Trim();
        BearerValidationResult? failure = null;
        foreach (OidcBearerValidator validator in validators.All)
        {
            BearerValidationResult result = await validator.ValidateAsync(token, Context.RequestAborted);
            if (result.IsValid)
            {
                return Success(FromToken(result.Identity!));
            }

            // Keep the most telling failure: "wrong issuer" only says the token belongs to another validator.
            if (failure is null || failure.Failure is BearerFailure.WrongIssuer or BearerFailure.UnknownKey)
            {
                failure = result;
            }
        }

        Log.AuthenticationFailed(_log, "bearer", failure?.Message ?? "no issuer is trusted");
        return AuthenticateResult.Fail("The bearer token is not valid: " + (failure?.Message ?? "no issuer is trusted"));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer, ApiKey";
        string detail = Context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Failure?.Message
            ?? "Authenticate with an API key (X-Api-Key) or a bearer token.";
        return ProblemResponses.Write(Context, 401, "urn:approval-functions:problem:unauthenticated", "Authentication is required.", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ProblemResponses.Write(Context, 403, "urn:approval-functions:problem:forbidden", "You may not do this.",
            "Your identity does not have the role this endpoint needs.");

    private static AuthenticateResult Success(Caller caller) =>
        AuthenticateResult.Success(new AuthenticationTicket(caller.ToPrincipal(SchemeName), SchemeName));

    /// <summary>Maps a validated token to a caller (the rules are shared with the Functions app).</summary>
    private Caller FromToken(ClaimsIdentity token)
    {
        IdentityOptions settings = identity.Value;
        TokenCaller caller = TokenCallers.From(token, new CallerRoleSettings
        {
            AgentRole = settings.AgentRole,
            ExecutorRole = settings.ExecutorRole,
            AuditorRole = settings.AuditorRole,
            ApproverScope = settings.ApproverScope,
            AgentOwners = settings.AgentOwners,
            AuthContexts = settings.AuthContexts,
        });
        return new Caller(caller.Id, caller.DisplayName, caller.Email, caller.AuthStrength, caller.Owner, caller.Roles, "bearer");
    }
}
