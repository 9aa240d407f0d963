using System.Security.Cryptography;
using System.Text;
using ApprovalFunctions.Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Identity;

/// <summary>API keys: configured ones are stored as SHA-256 hashes; development keys come from the identities file in dev mode.</summary>
internal sealed class ApiKeyStore
{
    private readonly Dictionary<string, Caller> _byHash = new(StringComparer.Ordinal);

    public ApiKeyStore(IOptions<IdentityOptions> identity, IdentitiesFile identities, DevMode dev)
    {
        foreach (ApiKeyOptions key in identity.Value.ApiKeys)
        {
            string role = key.Role == "executor" ? Roles.Executor : Roles.Agent;
            _byHash[key.KeyHash.ToLowerInvariant()] = new Caller(key.Id, key.DisplayName, null, null, key.Owner, new HashSet<string> { role }, "api-key");
        }

        if (!dev.Enabled)
        {
            return;
        }

        foreach (AgentEntry agent in identities.Agents.Where(a => a.ApiKey is not null))
        {
            _byHash[Hash(agent.ApiKey!)] = new Caller(agent.Id, agent.DisplayName, null, null, agent.Owner, new HashSet<string> { Roles.Agent }, "dev-api-key");
        }

        foreach (ExecutorEntry executor in identities.Executors.Where(e => e.ApiKey is not null))
        {
            _byHash[Hash(executor.ApiKey!)] = new Caller(executor.Id, executor.Id, null, null, null, new HashSet<string> { Roles.Executor }, "dev-api-key");
        }
    }

    public int Count => _byHash.Count;

    public Caller? Find(string key) => _byHash.TryGetValue(Hash(key), out Caller? caller) ? caller : null;

    /// <summary><c>sha256:&lt;hex&gt;</c> of a key, as configuration stores it.</summary>
    public static string Hash(string key) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A new random key: <c>apk_</c> and 43 base64url characters (256 bits).</summary>
    public static string NewKey() => "apk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Whether development mode is on (flag, setting, or the Development environment).</summary>
internal sealed record DevMode(bool Enabled);
