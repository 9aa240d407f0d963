using System.Security.Claims;
using ApprovalFunctions.Microsoft365.Identity;

namespace ApprovalFunctions.Gateway.Identity;

/// <summary>The roles, as the shared API names them.</summary>
internal static class Roles
{
    public const string Agent = TokenCallers.Agent;
    public const string Approver = TokenCallers.Approver;
    public const string Executor = TokenCallers.Executor;
    public const string Auditor = TokenCallers.Auditor;
}

/// <summary>
/// An authenticated caller (<see cref="TokenCaller"/>, the type both hosts' API uses) carried through ASP.NET Core's
/// authentication as claims on the principal.
/// </summary>
internal static class CallerPrincipal
{
    private const string Id = "approvals:id";
    private const string Owner = "approvals:owner";
    private const string AuthStrength = "approvals:auth_strength";
    private const string Email = "approvals:email";

    /// <summary>The principal of <paramref name="caller"/>.</summary>
    public static ClaimsPrincipal ToPrincipal(TokenCaller caller, string scheme)
    {
        var claims = new List<Claim> { new(Id, caller.Id), new(ClaimTypes.Name, caller.DisplayName ?? caller.Id) };
        if (caller.Email is not null)
        {
            claims.Add(new Claim(Email, caller.Email));
        }

        if (caller.AuthStrength is not null)
        {
            claims.Add(new Claim(AuthStrength, caller.AuthStrength));
        }

        if (caller.Owner is not null)
        {
            claims.Add(new Claim(Owner, caller.Owner));
        }

        claims.AddRange(caller.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The caller an authenticated principal carries.</summary>
    public static TokenCaller From(ClaimsPrincipal principal) => new(
        principal.FindFirstValue(Id) ?? throw new InvalidOperationException("The principal is not an authenticated caller."),
        principal.FindFirstValue(ClaimTypes.Name),
        principal.FindFirstValue(Email),
        principal.FindFirstValue(AuthStrength),
        principal.FindFirstValue(Owner),
        principal.FindAll(ClaimTypes.Role).Select(c => c.Value).ToHashSet(StringComparer.Ordinal));
}
