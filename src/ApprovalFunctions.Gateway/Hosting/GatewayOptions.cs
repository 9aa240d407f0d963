using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Microsoft365.Identity;

namespace ApprovalFunctions.Gateway.Hosting;

/// <summary>The gateway's settings (section <c>Gateway</c>). Relative paths are relative to the working directory.</summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Gateway";

    /// <summary>Where the SQLite database, keys and (by default) audit directories live.</summary>
    public string StateDirectory { get; set; } = ".approvals";

    /// <summary>The policy set: a directory or a file.</summary>
    public string PolicyPath { get; set; } = "policies";

    /// <summary>Development mode: named local identities with dev API keys and dev tokens. Off unless asked for.</summary>
    public bool DevMode { get; set; }

    /// <summary>
    /// A YAML file of people, groups, managers, agents and executors: the directory (always) and the dev identities (in dev
    /// mode). Defaults to the bundled <c>dev-identities.yaml</c> in dev mode.
    /// </summary>
    public string? IdentitiesPath { get; set; }

    /// <summary>The URL approvers and executors reach the gateway at (links in cards, the receipt issuer). Defaults to the listening URL.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The region whose audit store keeps actions that name no <c>data.sourceRegion</c>.</summary>
    public string? DefaultRegion { get; set; }

    /// <summary>Largest accepted action body.</summary>
    public int MaxBodyBytes { get; set; } = ActionLimits.Default.MaxBytes;

    /// <summary>Deepest accepted nesting of an action body.</summary>
    public int MaxDepth { get; set; } = ActionLimits.Default.MaxDepth;

    /// <summary>How many actions the runner advances at once (its workers mostly wait for group commits, so more than cores).</summary>
    public int RunnerConcurrency { get; set; } = 16;

    /// <summary>The longest <c>?wait=</c> a submitter may ask for.</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Full path of <see cref="StateDirectory"/>.</summary>
    public string StateDirectoryFullPath => Path.GetFullPath(StateDirectory);

    /// <summary>The limits applied to action bodies.</summary>
    public ActionLimits Limits => new() { MaxBytes = MaxBodyBytes, MaxDepth = MaxDepth };
}

/// <summary>Where each region's audit records are kept (section <c>Audit</c>).</summary>
public sealed class AuditOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Audit";

    /// <summary>Region → directory (relative paths are under the state directory). Unknown regions are refused (fail closed).</summary>
    public Dictionary<string, string> Regions { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Make written records read-only (default on).</summary>
    public bool ReadOnlyFiles { get; set; } = true;
}

/// <summary>How approval receipts are signed (section <c>Receipts</c>).</summary>
public sealed class ReceiptOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Receipts";

    /// <summary>The executor audience (<c>aud</c>).</summary>
    public string Audience { get; set; } = "approvals-executor";

    /// <summary>How long receipts are valid.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A PEM private key (EC P-256 or RSA); generated on first start when absent. Defaults to the state directory.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The algorithm of a generated key: ES256 (default) or RS256.</summary>
    public string Algorithm { get; set; } = "ES256";
}

/// <summary>How released actions reach executors (section <c>Release</c>).</summary>
public sealed class ReleaseOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Release";

    /// <summary>An executor webhook; released actions are POSTed to it (with retries) besides the poll feed.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>How many delivery attempts before the webhook delivery is marked failed.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The first retry delay; it doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest retry delay.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one webhook call may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Who may call the gateway (section <c>Identity</c>).</summary>
public sealed class IdentityOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Identity";

    /// <summary>API keys, stored as <c>sha256:</c> hashes (create one with <c>approvals keys new</c>).</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>Trusted OpenID Connect issuers (Entra ID tenants).</summary>
    public List<OidcIssuerSettings> Issuers { get; set; } = [];

    /// <summary>Agents that authenticate with tokens: app (client) id → owner.</summary>
    public Dictionary<string, string> AgentOwners { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The app role that makes a token's app an agent.</summary>
    public string AgentRole { get; set; } = "Approvals.Agent";

    /// <summary>The app role of executors (release feed).</summary>
    public string ExecutorRole { get; set; } = "Approvals.Executor";

    /// <summary>The app role of auditors (full audit records).</summary>
    public string AuditorRole { get; set; } = "Approvals.Auditor";

    /// <summary>The delegated scope that lets a signed-in person decide.</summary>
    public string ApproverScope { get; set; } = "Approvals.Decide";

    /// <summary>Authentication-context (<c>acrs</c>) values → auth strength, for example <c>c1 → mfa</c>.</summary>
    public Dictionary<string, string> AuthContexts { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One API key.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The caller's id (the agent id for agents).</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary><c>agent</c> or <c>executor</c>.</summary>
    public string Role { get; set; } = "agent";

    /// <summary>The agent's owner (agents only).</summary>
    public string? Owner { get; set; }

    /// <summary><c>sha256:&lt;hex&gt;</c> of the key.</summary>
    public string KeyHash { get; set; } = string.Empty;

    /// <summary>A name for logs.</summary>
    public string? DisplayName { get; set; }
}

/// <summary>A trusted issuer as configured.</summary>
public sealed class OidcIssuerSettings
{
    /// <summary>The metadata URL.</summary>
    public string MetadataAddress { get; set; } = string.Empty;

    /// <summary>Accepted audiences.</summary>
    public List<string> Audiences { get; set; } = [];

    /// <summary>Accepted issuers (default: the metadata's).</summary>
    public List<string> Issuers { get; set; } = [];

    /// <summary>Required tenant id.</summary>
    public string? TenantId { get; set; }

    /// <summary>Allow plain HTTP metadata (local test issuers only).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>To validator options.</summary>
    public OidcIssuerOptions ToOptions()
    {
        var options = new OidcIssuerOptions { MetadataAddress = MetadataAddress, TenantId = TenantId, RequireHttpsMetadata = RequireHttpsMetadata };
        foreach (string audience in Audiences)
        {
            options.Audiences.Add(audience);
        }

        foreach (string issuer in Issuers)
        {
            options.Issuers.Add(issuer);
        }

        return options;
    }
}
