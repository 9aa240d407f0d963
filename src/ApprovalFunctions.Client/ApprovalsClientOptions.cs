using ApprovalFunctions.Core.Receipts;
using Azure.Core;

namespace ApprovalFunctions.Client;

/// <summary>Where the approvals host is, how the agent authenticates, and what receipts to trust.</summary>
public sealed class ApprovalsClientOptions
{
    /// <summary>The host's base URL: the gateway (<c>http://localhost:7071</c>) or the Functions app.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>The agent's API key (sent as <c>X-Api-Key</c>); or set <see cref="Credential"/>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>An Entra credential for an app-only token (client credentials, managed identity).</summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>The scope of the token, for example <c>api://approvals/.default</c>.</summary>
    public string? Scope { get; set; }

    /// <summary>The receipts' issuer; default: <see cref="BaseUrl"/> without its trailing slash.</summary>
    public string? ReceiptIssuer { get; set; }

    /// <summary>The receipts' audience (the host's <c>ReceiptAudience</c>).</summary>
    public string ReceiptAudience { get; set; } = "approvals-executor";

    /// <summary>Remembers spent receipts, so each is acted on once (default: in this process).</summary>
    public IReceiptUseRegistry ReceiptUses { get; set; } = new InMemoryReceiptUseRegistry();

    /// <summary>How long the host's receipt keys are cached.</summary>
    public TimeSpan KeysCacheDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The clock (tests move it).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>The problem with the options, or null (checked when the client is created).</summary>
    public string? Problem() =>
        BaseUrl is null || !BaseUrl.IsAbsoluteUri ? "ApprovalsClientOptions.BaseUrl must be the host's absolute URL"
        : ApiKey is null && Credential is null ? "ApprovalsClientOptions needs an ApiKey or a Credential"
        : ApiKey is not null && Credential is not null ? "ApprovalsClientOptions takes an ApiKey or a Credential, not both"
        : Credential is not null && string.IsNullOrWhiteSpace(Scope) ? "ApprovalsClientOptions.Scope is required with a Credential"
        : null;
}
