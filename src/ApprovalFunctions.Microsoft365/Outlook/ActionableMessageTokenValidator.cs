using System.Security.Claims;
using ApprovalFunctions.Microsoft365.Identity;

namespace ApprovalFunctions.Microsoft365.Outlook;

/// <summary>Who clicked a button on an Outlook actionable message, as Entra ID says.</summary>
/// <param name="ObjectId">The user's object id (<c>oid</c>).</param>
/// <param name="Email">The user's sign-in name or e-mail address, lower-cased.</param>
/// <param name="DisplayName">The user's name, when the token has it.</param>
/// <param name="TenantId">The user's tenant.</param>
/// <param name="AuthStrength">From the token's <c>amr</c> (see <see cref="TokenCallers.AuthStrength"/>); null when it does not say.</param>
public sealed record ActionableMessageCaller(string ObjectId, string Email, string? DisplayName, string TenantId, string? AuthStrength = null);

/// <summary>The outcome of validating an Actionable Messages token.</summary>
/// <param name="Caller">The user, when valid.</param>
/// <param name="Failure">Why not (for logs; never shown on the card).</param>
public sealed record ActionableMessageValidation(ActionableMessageCaller? Caller, string? Failure)
{
    /// <summary>True when valid.</summary>
    public bool IsValid => Failure is null;
}

/// <summary>
/// Validates the bearer token Outlook sends with an <c>Action.Http</c> request under the Entra ID model in force since
/// 8 June 2026: an Entra access token for the App ID URI registered in the Actionable Email Developer Dashboard, from
/// the tenant's issuer, obtained by the Actionable Messages service app <see cref="ActionsAppId"/> on behalf of the user.
/// Signature, issuer, audience, lifetime and tenant are checked by <see cref="OidcBearerValidator"/>; this class adds the
/// calling app and the user.
/// </summary>
public class ActionableMessageTokenValidator
{
    /// <summary>The Actionable Messages service's application id, which requests these tokens.</summary>
    public const string ActionsAppId = "48af08dc-f6d2-435f-b2a7-069abd99c086";

    private readonly OidcBearerValidator _tokens;

    /// <summary>Creates the validator over an issuer validator configured with the App ID URI as audience and the tenant pinned.</summary>
    public ActionableMessageTokenValidator(OidcBearerValidator tokens) => _tokens = tokens ?? throw new ArgumentNullException(nameof(tokens));

    /// <summary>For mocking.</summary>
    protected ActionableMessageTokenValidator() => _tokens = null!;

    /// <summary>Validates the <c>Authorization</c> header value of an <c>Action.Http</c> request.</summary>
    public virtual async Task<ActionableMessageValidation> ValidateAsync(string? authorization, CancellationToken cancellationToken = default)
    {
        BearerValidationResult result = await _tokens.ValidateHeaderAsync(authorization, cancellationToken).ConfigureAwait(false);
        if (result.Identity is not ClaimsIdentity identity)
        {
            return new(null, result.Message);
        }

        // v2.0 tokens name the calling app in azp, v1.0 tokens in appid.
        string? app = identity.FindFirst("azp")?.Value ?? identity.FindFirst("appid")?.Value;
        if (!string.Equals(app, ActionsAppId, StringComparison.OrdinalIgnoreCase))
        {
            return new(null, "the token was not issued to the Actionable Messages service");
        }

        string? objectId = identity.FindFirst("oid")?.Value;
        string? email = identity.FindFirst("preferred_username")?.Value ?? identity.FindFirst("upn")?.Value
            ?? identity.FindFirst("email")?.Value ?? identity.FindFirst("unique_name")?.Value;
        string? tenant = identity.FindFirst("tid")?.Value;
        if (string.IsNullOrWhiteSpace(objectId) || string.IsNullOrWhiteSpace(email) || string.IsNullOrWhiteSpace(tenant))
        {
            return new(null, "the token does not name the user (oid, preferred_username and tid are required)");
        }

        return new(new ActionableMessageCaller(objectId, email.ToLowerInvariant(), identity.FindFirst("name")?.Value, tenant, TokenCallers.AuthStrength(identity)), null);
    }
}
