using System.Security.Claims;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;

namespace ApprovalFunctions.Gateway.Identity;

/// <summary>The gateway's roles.</summary>
internal static class Roles
{
    public const string Agent = "agent";
    public const string Approver = "approver";
    public const string Executor = "executor";
    public const string Auditor = "auditor";
}

/// <summary>Claim types the gateway puts on authenticated principals.</summary>
internal static class CallerClaims
{
    public const string Id = "approvals:id";
    public const string Owner = "approvals:owner";
    public const string AuthStrength = "approvals:auth_strength";
    public const string Email = "approvals:email";
    public const string Method = "approvals:method";
}

/// <summary>An authenticated caller, as endpoints see it.</summary>
internal sealed record Caller(string Id, string? DisplayName, string? Email, string? AuthStrength, string? Owner, IReadOnlySet<string> Roles, string Method)
{
    public bool Is(string role) => Roles.Contains(role);

    public AgentIdentity AsAgent() => new(Id, Owner);

    public ApproverIdentity AsApprover() => new(Id, DisplayName, Email, AuthStrength);

    /// <summary>The keys the eligibility index knows this person by (lower-cased id and e-mail).</summary>
    public IReadOnlyCollection<string> PersonKeys =>
        Email is null ? [Id.ToLowerInvariant()] : [Id.ToLowerInvariant(), Email.ToLowerInvariant()];

    public ClaimsPrincipal ToPrincipal(string scheme)
    {
        var claims = new List<Claim>
        {
            new(CallerClaims.Id, Id),
            new(ClaimTypes.Name, DisplayName ?? Id),
            new(CallerClaims.Method, Method),
        };
        if (Email is not null)
        {
            claims.Add(new Claim(CallerClaims.Email, Email));
        }

        if (AuthStrength is not null)
        {
            claims.Add(new Claim(CallerClaims.AuthStrength, AuthStrength));
        }

        if (Owner is not null)
        {
            claims.Add(new Claim(CallerClaims.Owner, Owner));
        }

        claims.AddRange(Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    public static Caller From(ClaimsPrincipal principal) => new(
        principal.FindFirstValue(CallerClaims.Id) ?? throw new InvalidOperationException("The principal is not a gateway caller."),
        principal.FindFirstValue(ClaimTypes.Name),
        principal.FindFirstValue(CallerClaims.Email),
        principal.FindFirstValue(CallerClaims.AuthStrength),
        principal.FindFirstValue(CallerClaims.Owner),
        principal.FindAll(ClaimTypes.Role).Select(c => c.Value).ToHashSet(StringComparer.Ordinal),
        principal.FindFirstValue(CallerClaims.Method) ?? "unknown");
}
