using System.Security.Cryptography;
using System.Text;
using ApprovalFunctions.Core;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.AspNetCore.Http;

namespace ApprovalFunctions.Api.Identity;

/// <summary>API keys, kept as SHA-256 hashes only: a key is looked up by hashing what the caller sent.</summary>
public sealed class ApiKeyRing
{
    private readonly Dictionary<string, TokenCaller> _byHash = new(StringComparer.Ordinal);

    /// <summary>How many keys the ring holds.</summary>
    public int Count => _byHash.Count;

    /// <summary><c>sha256:&lt;hex&gt;</c> of a key, as configuration stores it.</summary>
    public static string Hash(string key) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Check.NotNull(key))));

    /// <summary>Adds the caller a key with this hash (<c>sha256:&lt;hex&gt;</c>) stands for.</summary>
    public void Add(string keyHash, TokenCaller caller) => _byHash[Check.NotNullOrWhiteSpace(keyHash).ToLowerInvariant()] = Check.NotNull(caller);

    /// <summary>The caller of <paramref name="key"/>, or null for an unknown key.</summary>
    public TokenCaller? Find(string key) => _byHash.TryGetValue(Hash(key), out TokenCaller? caller) ? caller : null;
}

/// <summary>The outcome of authenticating a request.</summary>
/// <param name="Caller">Who is calling; null when not authenticated.</param>
/// <param name="Method"><c>api-key</c> or <c>bearer</c>; null when the request carried no credentials.</param>
/// <param name="Failure">Why the credentials were refused (a sentence for the 401 problem, never the credential).</param>
public sealed record CallerAuthenticationResult(TokenCaller? Caller, string? Method, string? Failure)
{
    /// <summary>The sentence for a request that carried no credentials at all.</summary>
    public const string NoCredentials = "Authenticate with an API key (X-Api-Key) or a bearer token.";
}

/// <summary>
/// Who is calling, the same on both hosts: an API key (<c>X-Api-Key</c> or <c>Authorization: ApiKey …</c>) or a bearer
/// token from a trusted issuer, mapped to roles by <see cref="TokenCallers"/>.
/// </summary>
public sealed class CallerAuthentication(ApiKeyRing keys, IReadOnlyList<OidcBearerValidator> validators, CallerRoleSettings roles)
{
    /// <summary>Authenticates <paramref name="request"/>.</summary>
    public async Task<CallerAuthenticationResult> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        string? authorization = request.Headers.Authorization;
        string? apiKey = request.Headers["X-Api-Key"];
        if (string.IsNullOrEmpty(apiKey) && authorization?.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase) == true)
        {
            apiKey = authorization[7..].Trim();
        }

        if (!string.IsNullOrEmpty(apiKey))
        {
            return keys.Find(apiKey) is TokenCaller known
                ? new CallerAuthenticationResult(known, "api-key", null)
                : new CallerAuthenticationResult(null, "api-key", "The API key is not valid.");
        }

        if (OidcBearerValidator.BearerToken(authorization) is not string token)
        {
            return new CallerAuthenticationResult(null, null, null);
        }

        BearerValidationResult? failure = null;
        foreach (OidcBearerValidator validator in validators)
        {
            BearerValidationResult result = await validator.ValidateAsync(token, cancellationToken).ConfigureAwait(false);
            if (result.IsValid)
            {
                return new CallerAuthenticationResult(TokenCallers.From(result.Identity!, roles), "bearer", null);
            }

            // Keep the most telling failure: "wrong issuer" only says the token belongs to another validator.
            if (failure is null || failure.Failure is BearerFailure.WrongIssuer or BearerFailure.UnknownKey)
            {
                failure = result;
            }
        }

        return new CallerAuthenticationResult(null, "bearer", "The bearer token is not valid: " + (failure?.Message ?? "no issuer is trusted"));
    }
}
