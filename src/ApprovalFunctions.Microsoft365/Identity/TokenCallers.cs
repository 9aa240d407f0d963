using System.Security.Claims;

namespace ApprovalFunctions.Microsoft365.Identity;

/// <summary>How a host reads roles and strength from Entra / OIDC tokens.</summary>
public sealed class CallerRoleSettings
{
    /// <summary>The app role that makes a token's app an agent.</summary>
    public string AgentRole { get; set; } = "Approvals.Agent";

    /// <summary>The app role of executors (release feed).</summary>
    public string ExecutorRole { get; set; } = "Approvals.Executor";

    /// <summary>The app role of auditors (full audit records).</summary>
    public string AuditorRole { get; set; } = "Approvals.Auditor";

    /// <summary>The delegated scope that lets a signed-in person decide.</summary>
    public string ApproverScope { get; set; } = "Approvals.Decide";

    /// <summary>Agents that authenticate with tokens: app (client) id → owner.</summary>
    public IDictionary<string, string> AgentOwners { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Authentication-context (<c>acrs</c>) values → auth strength, for example <c>c1 → mfa</c>.</summary>
    public IDictionary<string, string> AuthContexts { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>A caller as a validated token describes them.</summary>
/// <param name="Id">The object id (people) or the app id (agents).</param>
/// <param name="DisplayName">The <c>name</c> claim.</param>
/// <param name="Email">The sign-in name or e-mail address.</param>
/// <param name="AuthStrength">How strongly they signed in (<c>phishingResistant</c>, <c>mfa</c>, <c>password</c>), when the token says.</param>
/// <param name="Owner">An agent's owner, from configuration.</param>
/// <param name="Roles">Of <see cref="TokenCallers.Agent"/>, <see cref="TokenCallers.Approver"/>, <see cref="TokenCallers.Executor"/>, <see cref="TokenCallers.Auditor"/>.</param>
public sealed record TokenCaller(string Id, string? DisplayName, string? Email, string? AuthStrength, string? Owner, IReadOnlySet<string> Roles);

/// <summary>Maps a validated token to a caller: app roles make agents, executors and auditors; the decide scope makes approvers.</summary>
public static class TokenCallers
{
    /// <summary>Submits actions.</summary>
    public const string Agent = "agent";

    /// <summary>Decides.</summary>
    public const string Approver = "approver";

    /// <summary>Reads the release feed.</summary>
    public const string Executor = "executor";

    /// <summary>Reads full audit records.</summary>
    public const string Auditor = "auditor";

    /// <summary>The caller <paramref name="token"/> describes.</summary>
    public static TokenCaller From(ClaimsIdentity token, CallerRoleSettings settings)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(settings);
        string? Claim(string type) => token.FindFirst(type)?.Value;
        var roles = token.FindAll("roles").Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var scopes = (Claim("scp") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var granted = new HashSet<string>(StringComparer.Ordinal);
        string id = Claim("oid") ?? Claim("sub") ?? "unknown";
        string? owner = null;

        // Agents and executors are applications: their roles count only in app-only tokens (client credentials), so a
        // person assigned the role cannot act as, or share the identity of, the client app they signed in through.
        bool appOnly = IsAppOnly(token);
        if (appOnly && roles.Contains(settings.AgentRole))
        {
            granted.Add(Agent);
            id = Claim("azp") ?? Claim("appid") ?? id;
            owner = settings.AgentOwners.TryGetValue(id, out string? configured) ? configured : null;
        }

        if (scopes.Contains(settings.ApproverScope))
        {
            granted.Add(Approver);
        }

        if (appOnly && roles.Contains(settings.ExecutorRole))
        {
            granted.Add(Executor);
        }

        if (roles.Contains(settings.AuditorRole))
        {
            granted.Add(Auditor);
        }

        string? email = Claim("preferred_username") ?? Claim("email") ?? Claim("upn");
        return new TokenCaller(id, Claim("name"), email, AuthStrength(token, settings.AuthContexts), owner, granted);
    }

    /// <summary>
    /// True for an app-only token (client credentials): Entra's <c>idtyp</c> claim says <c>app</c> when it is issued;
    /// without it, a token with no delegated scope (<c>scp</c>) is an application's, since user tokens always carry one.
    /// </summary>
    public static bool IsAppOnly(ClaimsIdentity token)
    {
        ArgumentNullException.ThrowIfNull(token);
        string? type = token.FindFirst("idtyp")?.Value;
        return type is not null ? string.Equals(type, "app", StringComparison.Ordinal) : token.FindFirst("scp") is null;
    }

    /// <summary>The strength of the sign-in: a configured authentication context first, then the methods (<c>amr</c>).</summary>
    public static string? AuthStrength(ClaimsIdentity token, IDictionary<string, string>? authContexts = null)
    {
        ArgumentNullException.ThrowIfNull(token);
        foreach (string context in token.FindAll("acrs").Select(c => c.Value))
        {
            if (authContexts is not null && authContexts.TryGetValue(context, out string? strength))
            {
                return strength;
            }
        }

        var methods = token.FindAll("amr").Select(c => c.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return methods.Contains("fido") || methods.Contains("hwk") ? "phishingResistant"
            : methods.Contains("mfa") ? "mfa"
            : methods.Count > 0 ? "password"
            : null;
    }
}
