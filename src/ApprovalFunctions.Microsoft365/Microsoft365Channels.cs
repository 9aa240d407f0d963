using ApprovalFunctions.Microsoft365.Identity;
using ApprovalFunctions.Microsoft365.Notifications;
using ApprovalFunctions.Microsoft365.Outlook;
using Azure.Core;
using Azure.Identity;
using Microsoft.Graph;

namespace ApprovalFunctions.Microsoft365;

/// <summary>What both hosts build from a <see cref="Microsoft365Options"/>: the credential, the channels and Outlook's token validator.</summary>
public static class Microsoft365Channels
{
    /// <summary>A certificate, else a secret, else the platform's identity (managed identity first, then developer sign-in).</summary>
    public static TokenCredential Credential(Microsoft365Options options, string? managedIdentityClientId = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.CertificatePath is not null ? new ClientCertificateCredential(options.TenantId, options.ClientId, options.CertificatePath)
            : options.ClientSecret is not null ? new ClientSecretCredential(options.TenantId, options.ClientId, options.ClientSecret)
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { TenantId = options.TenantId, ManagedIdentityClientId = managedIdentityClientId ?? options.ClientId });
    }

    /// <summary>
    /// The configured Microsoft 365 channels: Outlook actionable e-mail (needs <paramref name="cardTokens"/>), the Teams
    /// activity feed and a Teams channel through a Workflows webhook (posted with <paramref name="webhookHttp"/>).
    /// </summary>
    public static IReadOnlyList<IApprovalNotifier> Notifiers(
        Microsoft365Options options, GraphServiceClient graph, CardTokens? cardTokens, IDeliveryLedger ledger, Uri publicBaseUrl, HttpClient webhookHttp, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var notifiers = new List<IApprovalNotifier>();
        if (options.Outlook.Enabled)
        {
            notifiers.Add(new OutlookNotifier(graph, cardTokens ?? throw new ArgumentNullException(nameof(cardTokens)), options.Outlook, publicBaseUrl, ledger, time));
        }

        if (options.Teams.ActivityFeed)
        {
            notifiers.Add(new TeamsActivityNotifier(graph, options.Teams, ledger));
        }

        if (!string.IsNullOrWhiteSpace(options.Teams.WorkflowsWebhookUrl))
        {
            notifiers.Add(new TeamsWorkflowNotifier(webhookHttp, new Uri(options.Teams.WorkflowsWebhookUrl), ledger));
        }

        return notifiers;
    }

    /// <summary>Validates Outlook's tokens: the tenant's metadata, the dashboard's App ID URI as audience, the tenant pinned.</summary>
    public static ActionableMessageTokenValidator OutlookValidator(Microsoft365Options options, HttpClient http, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var issuer = new OidcIssuerOptions
        {
            MetadataAddress = options.Metadata,
            TenantId = options.TenantId,
            RequireHttpsMetadata = OidcIssuerOptions.HttpsRequiredFor(options.Metadata),
            Audiences = { options.Outlook.AppIdUri ?? throw new InvalidOperationException("Microsoft365:Outlook:AppIdUri is not set.") },
        };
        return new ActionableMessageTokenValidator(new OidcBearerValidator(issuer, http, time));
    }
}
