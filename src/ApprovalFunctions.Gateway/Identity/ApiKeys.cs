using System.Security.Cryptography;
using ApprovalFunctions.Api.Identity;
using ApprovalFunctions.Gateway.Hosting;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Identity;

/// <summary>The gateway's API keys: configured ones (stored as SHA-256 hashes), and in development mode the identities file's.</summary>
internal static class ApiKeys
{
    /// <summary>The key ring the shared authentication looks keys up in.</summary>
    public static ApiKeyRing Ring(IOptions<IdentityOptions> identity, IdentitiesFile identities, DevMode dev)
    {
        var ring = new ApiKeyRing();
        foreach (ApiKeyOptions key in identity.Value.ApiKeys)
        {
            ring.Add(key.KeyHash, Caller(key.Id, key.DisplayName, key.Owner, key.Role == "executor" ? Roles.Executor : Roles.Agent));
        }

        if (dev.Enabled)
        {
            foreach (AgentEntry agent in identities.Agents.Where(a => a.ApiKey is not null))
            {
                ring.Add(ApiKeyRing.Hash(agent.ApiKey!), Caller(agent.Id, agent.DisplayName, agent.Owner, Roles.Agent));
            }

            foreach (ExecutorEntry executor in identities.Executors.Where(e => e.ApiKey is not null))
            {
                ring.Add(ApiKeyRing.Hash(executor.ApiKey!), Caller(executor.Id, executor.Id, null, Roles.Executor));
            }
        }

        return ring;
    }

    /// <summary>A new random key: <c>apk_</c> and 43 base64url characters (256 bits).</summary>
    public static string NewKey() => "apk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static TokenCaller Caller(string id, string? displayName, string? owner, string role) =>
        new(id, displayName, null, null, owner, new HashSet<string>(StringComparer.Ordinal) { role });
}

/// <summary>Whether development mode is on (the <c>--dev</c> flag or <c>Gateway:DevMode</c>).</summary>
internal sealed record DevMode(bool Enabled);
