using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Receipts;
using ApprovalFunctions.Microsoft365.Identity;

namespace ApprovalFunctions.FunctionApp.Hosting;

/// <summary>The Functions app's settings (section <c>Approvals</c>; in app settings <c>Approvals__…</c>).</summary>
public sealed class ApprovalsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Approvals";

    /// <summary>The policy set, relative to the app's folder (the build copies <c>policies/</c> there).</summary>
    public string PolicyPath { get; set; } = "policies";

    /// <summary>The app's public https URL (links, receipt issuer, Outlook's action target).</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The region whose audit store keeps actions that name no <c>data.sourceRegion</c>.</summary>
    public string? DefaultRegion { get; set; }

    /// <summary>Region → audit container URL (one storage account per region, container with a time-based immutability policy).</summary>
    public Dictionary<string, string> AuditContainers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A blob container for the app's own ledgers (sent notifications, used card tokens).</summary>
    public string? StateContainerUrl { get; set; }

    /// <summary>
    /// Local development only: reach the containers at their (loopback) URLs with Azurite's well-known development
    /// account instead of the managed identity, and create them at start-up. Refused unless <see cref="PublicBaseUrl"/>
    /// and every container URL are loopback addresses.
    /// </summary>
    public bool UseDevelopmentStorage { get; set; }

    /// <summary>The Service Bus namespace (<c>&lt;name&gt;.servicebus.windows.net</c>) that receives released actions.</summary>
    public string? ServiceBusNamespace { get; set; }

    /// <summary>The queue executors read.</summary>
    public string ReleaseQueue { get; set; } = "approved-actions";

    /// <summary>The user-assigned managed identity's client id; without it the platform's default identity chain is used.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>The receipt signing key as PEM (an app setting that references a Key Vault secret).</summary>
    public string? ReceiptSigningKeyPem { get; set; }

    /// <summary>The executor audience of receipts.</summary>
    public string ReceiptAudience { get; set; } = "approvals-executor";

    /// <summary>How long receipts are valid.</summary>
    public TimeSpan ReceiptLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Largest accepted action body.</summary>
    public int MaxBodyBytes { get; set; } = ActionLimits.Default.MaxBytes;

    /// <summary>Deepest accepted nesting.</summary>
    public int MaxDepth { get; set; } = ActionLimits.Default.MaxDepth;

    /// <summary>The longest <c>?wait=</c>.</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>API keys (hashed), for agents and executors without Entra tokens.</summary>
    public List<ApiKeySetting> ApiKeys { get; set; } = [];

    /// <summary>Trusted token issuers (the Entra tenant).</summary>
    public List<IssuerSetting> Issuers { get; set; } = [];

    /// <summary>App (client) id of token-authenticated agents → their owner.</summary>
    public Dictionary<string, string> AgentOwners { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Authentication contexts (<c>acrs</c>) → auth strength.</summary>
    public Dictionary<string, string> AuthContexts { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The limits applied to bodies.</summary>
    public ActionLimits Limits => new() { MaxBytes = MaxBodyBytes, MaxDepth = MaxDepth };

    /// <summary>Every problem, each naming its setting.</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out Uri? publicUrl) || (publicUrl.Scheme != Uri.UriSchemeHttps && !publicUrl.IsLoopback))
        {
            failures.Add("Approvals:PublicBaseUrl must be the app's https URL.");
        }

        if (UseDevelopmentStorage && publicUrl is { IsLoopback: false })
        {
            failures.Add("Approvals:UseDevelopmentStorage is for a local run only (Approvals:PublicBaseUrl must be a loopback URL).");
        }

        if (UseDevelopmentStorage && AuditContainers.Values.Append(StateContainerUrl).Any(u => Uri.TryCreate(u, UriKind.Absolute, out Uri? c) && !c.IsLoopback))
        {
            failures.Add("Approvals:UseDevelopmentStorage reaches Azurite only: every container URL (Approvals:AuditContainers, Approvals:StateContainerUrl) must be a loopback URL.");
        }

        if (AuditContainers.Count == 0)
        {
            failures.Add("Approvals:AuditContainers must map at least one region to a blob container URL.");
        }

        foreach ((string region, string url) in AuditContainers)
        {
            if (!Regions.IsRegionShaped(region) || !Uri.TryCreate(url, UriKind.Absolute, out _))
            {
                failures.Add($"Approvals:AuditContainers:{region} must map a region name to a blob container URL.");
            }
        }

        if (DefaultRegion is not null && !AuditContainers.ContainsKey(DefaultRegion))
        {
            failures.Add($"Approvals:DefaultRegion '{DefaultRegion}' has no container in Approvals:AuditContainers.");
        }

        if (!Uri.TryCreate(StateContainerUrl, UriKind.Absolute, out _))
        {
            failures.Add("Approvals:StateContainerUrl must be a blob container URL.");
        }

        if (string.IsNullOrWhiteSpace(ServiceBusNamespace))
        {
            failures.Add("Approvals:ServiceBusNamespace must name the namespace (<name>.servicebus.windows.net).");
        }

        if (string.IsNullOrWhiteSpace(ReceiptSigningKeyPem))
        {
            failures.Add("Approvals:ReceiptSigningKeyPem must hold the receipt signing key (a Key Vault reference).");
        }
        else
        {
            try
            {
                ReceiptSigningKeys.FromPem(ReceiptSigningKeyPem);
            }
            catch (Exception ex) when (ex is ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                failures.Add($"Approvals:ReceiptSigningKeyPem: {ex.Message}");
            }
        }

        if (Issuers.Count == 0 && ApiKeys.Count == 0)
        {
            failures.Add("Approvals:Issuers or Approvals:ApiKeys must let someone authenticate.");
        }

        for (int i = 0; i < Issuers.Count; i++)
        {
            try
            {
                Issuers[i].ToValidatorOptions($"Approvals:Issuers:{i}");
            }
            catch (ArgumentException ex)
            {
                failures.Add(ex.Message);
            }
        }

        for (int i = 0; i < ApiKeys.Count; i++)
        {
            if (!ApiKeys[i].KeyHash.StartsWith("sha256:", StringComparison.Ordinal) || ApiKeys[i].KeyHash.Length != 71 || ApiKeys[i].Role is not ("agent" or "executor"))
            {
                failures.Add($"Approvals:ApiKeys:{i} needs Role agent|executor and KeyHash sha256:<64 hex digits>.");
            }
        }

        return failures;
    }
}

/// <summary>One API key.</summary>
public sealed class ApiKeySetting
{
    /// <summary>The caller's id.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary><c>agent</c> or <c>executor</c>.</summary>
    public string Role { get; set; } = "agent";

    /// <summary>An agent's owner.</summary>
    public string? Owner { get; set; }

    /// <summary><c>sha256:&lt;hex&gt;</c> of the key.</summary>
    public string KeyHash { get; set; } = string.Empty;
}

/// <summary>A trusted token issuer.</summary>
public sealed class IssuerSetting
{
    /// <summary>The OpenID metadata URL.</summary>
    public string MetadataAddress { get; set; } = string.Empty;

    /// <summary>
    /// Accepted audiences. Entra puts the API's App ID URI (<c>api://…</c>) in v1 access tokens and its client id (a
    /// GUID) in v2 ones: list both.
    /// </summary>
    public List<string> Audiences { get; set; } = [];

    /// <summary>
    /// Accepted <c>iss</c> values; empty means the one the metadata names. Entra's v2 metadata names
    /// <c>https://login.microsoftonline.com/{tenant}/v2.0</c>, while v1 access tokens (an API whose
    /// <c>accessTokenAcceptedVersion</c> is 1 or unset) come from <c>https://sts.windows.net/{tenant}/</c>: list both to
    /// accept both, signed with the same keys.
    /// </summary>
    public List<string> Issuers { get; set; } = [];

    /// <summary>The required tenant.</summary>
    public string? TenantId { get; set; }

    /// <summary>
    /// The validator's options for this issuer; throws <see cref="ArgumentException"/> naming <paramref name="section"/>.
    /// Metadata must be https unless it is served from this machine (a local issuer).
    /// </summary>
    public OidcIssuerOptions ToValidatorOptions(string section)
    {
        var options = new OidcIssuerOptions
        {
            MetadataAddress = MetadataAddress,
            TenantId = TenantId,
            RequireHttpsMetadata = OidcIssuerOptions.HttpsRequiredFor(MetadataAddress),
        };
        foreach (string audience in Audiences)
        {
            options.Audiences.Add(audience);
        }

        foreach (string issuer in Issuers)
        {
            options.Issuers.Add(issuer);
        }

        return options.Validate(section);
    }
}
