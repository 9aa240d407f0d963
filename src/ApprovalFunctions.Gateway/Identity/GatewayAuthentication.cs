using System.Text.Encodings.Web;
using ApprovalFunctions.Api.Http;
using ApprovalFunctions.Api.Identity;
using ApprovalFunctions.Gateway.Hosting;
using ApprovalFunctions.Gateway.Logging;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Identity;

/// <summary>The trusted token issuers, dev issuer first when development mode is on.</summary>
internal sealed record BearerValidators(IReadOnlyList<OidcBearerValidator> All);

/// <summary>
/// Authenticates every request through the shared <see cref="CallerAuthentication"/> (API keys and bearer tokens, as
/// the Functions app does) and carries the caller as the principal. Challenges are answered as problem documents.
/// </summary>
internal sealed class GatewayAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    CallerAuthentication callers,
    IdentitiesFile identities) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Approvals";

    private readonly ILogger _log = loggerFactory.CreateLogger("ApprovalFunctions.Gateway.Authentication");

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        CallerAuthenticationResult result = await callers.AuthenticateAsync(Request, Context.RequestAborted);
        if (result.Caller is TokenCaller caller)
        {
            // An Entra token's oid may name a person of the identities file (objectId): that person is the caller.
            caller = result.Method == "bearer" ? caller with { Id = identities.PersonIdOf(caller.Id) } : caller;
            return AuthenticateResult.Success(new AuthenticationTicket(CallerPrincipal.ToPrincipal(caller, SchemeName), SchemeName));
        }

        if (result.Failure is null)
        {
            return AuthenticateResult.NoResult();
        }

        Log.AuthenticationFailed(_log, result.Method ?? "none", result.Failure);
        return AuthenticateResult.Fail(result.Failure);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        ApiProblems.Unauthenticated(Context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Failure?.Message
            ?? CallerAuthenticationResult.NoCredentials).WriteAsync(Context);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiProblems.Forbidden("Your identity does not have the role this endpoint needs.").WriteAsync(Context);
}

/// <summary>The shared authentication with the gateway's keys, issuers and role settings.</summary>
internal static class GatewayCallers
{
    public static CallerAuthentication Create(IServiceProvider services)
    {
        IdentityOptions settings = services.GetRequiredService<IOptions<IdentityOptions>>().Value;
        return new CallerAuthentication(
            ApiKeys.Ring(services.GetRequiredService<IOptions<IdentityOptions>>(), services.GetRequiredService<IdentitiesFile>(), services.GetRequiredService<DevMode>()),
            services.GetRequiredService<BearerValidators>().All,
            new CallerRoleSettings
            {
                AgentRole = settings.AgentRole,
                ExecutorRole = settings.ExecutorRole,
                AuditorRole = settings.AuditorRole,
                ApproverScope = settings.ApproverScope,
                AgentOwners = settings.AgentOwners,
                AuthContexts = settings.AuthContexts,
            });
    }
}
