using System.Security.Cryptography;
using System.Text;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.AspNetCore.Http;

namespace ApprovalFunctions.FunctionApp.Identity;

/// <summary>
/// Who is calling: an API key (<c>X-Api-Key</c> or <c>Authorization: ApiKey …</c>, stored hashed) or an Entra bearer
/// token from a trusted issuer, mapped to roles exactly as the gateway does (<see cref="TokenCallers"/>).
/// </summary>
public sealed class CallerAuthenticator
{
    private readonly IReadOnlyList<OidcBearerValidator> _validators;
    private readonly CallerRoleSettings _roles;
    private readonly Dictionary<string, TokenCaller> _keys;

    /// <summary>Creates the authenticator from the app's settings and the issuers' validators.</summary>
    public CallerAuthenticator(ApprovalsOptions options, IReadOnlyList<OidcBearerValidator> validators)
    {
        ArgumentNullException.ThrowIfNull(options);
        _validators = validators ?? throw new ArgumentNullException(nameof(validators));
        _roles = new CallerRoleSettings { AgentOwners = options.AgentOwners, AuthContexts = options.AuthContexts };
        _keys = options.ApiKeys.ToDictionary(
            k => k.KeyHash.ToLowerInvariant(),
            k => new TokenCaller(k.Id, k.Id, null, null, k.Owner, new HashSet<string>(StringComparer.Ordinal) { k.Role }),
            StringComparer.Ordinal);
    }

    /// <summary>The caller, or why not (a sentence for the 401 problem; never the credential).</summary>
    public async Task<(TokenCaller? Caller, string? Failure)> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? authorization = request.Headers.Authorization;
        string? apiKey = request.Headers["X-Api-Key"];
        if (string.IsNullOrEmpty(apiKey) && authorization?.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase) == true)
        {
            apiKey = authorization[7..].Trim();
        }

        if (!string.IsNullOrEmpty(apiKey))
        {
            string hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
            return _keys.TryGetValue(hash, out TokenCaller? caller) ? (caller, null) : (null, "The API key is not valid.");
        }

        if (authorization?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) != true)
        {
            return (null, "Authenticate with an API key (X-Api-Key) or a bearer token.");
        }

        string token = authorization[7..].Trim();
        BearerValidationResult? failure = null;
        foreach (OidcBearerValidator validator in _validators)
        {
            BearerValidationResult result = await validator.ValidateAsync(token, cancellationToken).ConfigureAwait(false);
            if (result.IsValid)
            {
                return (TokenCallers.From(result.Identity!, _roles), null);
            }

            if (failure is null || failure.Failure is BearerFailure.WrongIssuer or BearerFailure.UnknownKey)
            {
                failure = result;
            }
        }

        return (null, "The bearer token is not valid: " + (failure?.Message ?? "no issuer is trusted"));
    }
}
