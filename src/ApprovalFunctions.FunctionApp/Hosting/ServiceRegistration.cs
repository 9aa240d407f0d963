using ApprovalFunctions.Api;
using ApprovalFunctions.Api.Identity;
using ApprovalFunctions.Channels;
using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Channels.Slack;
using ApprovalFunctions.Channels.Teams;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Receipts;
using ApprovalFunctions.FunctionApp.Adapters;
using ApprovalFunctions.FunctionApp.Http;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.Microsoft365;
using ApprovalFunctions.Microsoft365.Directory;
using ApprovalFunctions.Microsoft365.Graph;
using ApprovalFunctions.Microsoft365.Identity;
using ApprovalFunctions.Microsoft365.Notifications;
using ApprovalFunctions.Microsoft365.Outlook;
using ApprovalFunctions.Microsoft365.Portal;
using Azure.Core;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Graph;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.FunctionApp.Hosting;

/// <summary>The Functions app's services. Every setting is checked here, at start-up; a bad one stops the app, named.</summary>
public static class ServiceRegistration
{
    /// <summary>Registers the app's services from <paramref name="configuration"/>.</summary>
    public static IServiceCollection AddApprovalFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        ApprovalsOptions options = configuration.GetSection(ApprovalsOptions.Section).Get<ApprovalsOptions>() ?? new ApprovalsOptions();
        Microsoft365Options m365 = configuration.GetSection(Microsoft365Options.Section).Get<Microsoft365Options>() ?? new Microsoft365Options();
        MaskingOptions masking = configuration.GetSection("Masking").Get<MaskingOptions>() ?? new MaskingOptions();
        PortalOptions portal = configuration.GetSection(PortalOptions.Section).Get<PortalOptions>() ?? new PortalOptions();
        SlackOptions slack = configuration.GetSection(SlackOptions.Section).Get<SlackOptions>() ?? new SlackOptions();
        TeamsBotOptions teams = configuration.GetSection(TeamsBotOptions.Section).Get<TeamsBotOptions>() ?? new TeamsBotOptions();
        var failures = new List<string>(options.Validate());
        failures.AddRange(slack.Validate());
        failures.AddRange(teams.Validate());
        failures.AddRange(portal.Validate());
        failures.AddRange(m365.Validate(Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out Uri? publicUrl) ? publicUrl : null));
        if (!m365.Directory)
        {
            failures.Add("Microsoft365:Directory must be true: the Functions app resolves approvers in Entra ID through Graph.");
        }

        if (m365.Outlook.Enabled && m365.CardTokenKey is null)
        {
            failures.Add("Microsoft365:CardTokenKey must hold the card token key (base64, a Key Vault reference) when Outlook is enabled.");
        }

        try
        {
            masking.Validate();
        }
        catch (ArgumentException ex)
        {
            failures.Add(ex.Message);
        }

        if (failures.Count > 0)
        {
            throw new InvalidOperationException("The Functions app cannot start:\n  " + string.Join("\n  ", failures));
        }

        TimeProvider time = TimeProvider.System;
        var links = new PublicLinks(publicUrl!);
        TokenCredential credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId });
        (SecurityKey signingKey, SecurityKey publicKey) = ReceiptSigningKeys.FromPem(options.ReceiptSigningKeyPem!);

        services.AddSingleton(time);
        services.AddSingleton(options);
        services.AddSingleton(m365);
        services.AddSingleton(links);
        services.AddSingleton(portal);
        services.AddSingleton(new ReceiptPublicKey(publicKey));
        services.AddSingleton(LoadPolicies(Path.Combine(AppContext.BaseDirectory, options.PolicyPath)));
        services.AddSingleton(new Masker(masking));
        services.AddSingleton(new ReceiptIssuer(new ReceiptIssuerOptions
        {
            Issuer = links.Base.ToString().TrimEnd('/'),
            Audience = options.ReceiptAudience,
            Lifetime = options.ReceiptLifetime,
            SigningKey = signingKey,
        }));

        // Storage and messaging, all with the app's managed identity: no keys anywhere.
        BlobContainerClient Container(string url) => options.UseDevelopmentStorage
            ? DevelopmentContainers.Client(url)
            : new BlobContainerClient(new Uri(url), credential);
        BlobContainerClient state = Container(options.StateContainerUrl!);
        Dictionary<string, BlobContainerClient> audit = options.AuditContainers.ToDictionary(c => c.Key, c => Container(c.Value), StringComparer.OrdinalIgnoreCase);
        services.AddSingleton<IAuditStore>(new BlobAuditStore(audit));
        if (options.UseDevelopmentStorage)
        {
            services.AddHostedService(_ => new DevelopmentContainers([state, .. audit.Values]));
        }

        services.AddSingleton(_ => new ServiceBusClient(options.ServiceBusNamespace!, credential));
        services.AddSingleton<IReleaseSender>(sp => new ServiceBusRelease(sp.GetRequiredService<ServiceBusClient>().CreateSender(options.ReleaseQueue), time));
        services.AddSingleton<IDeliveryLedger>(new BlobDeliveryLedger(state));
        services.AddSingleton<IProcessStateStore>(new BlobProcessStateStore(state));
        services.AddSingleton<IPostedMessages>(new BlobPostedMessages(state));

        // Microsoft 365: the directory, the channels, Outlook's tokens.
        services.AddHttpClient("oidc");
        services.AddHttpClient("teams-workflows").AddHttpMessageHandler(() => new RetryAfterHandler(time));
        services.AddSingleton(_ => GraphClients.Create(Microsoft365Channels.Credential(m365, options.ManagedIdentityClientId), new Uri(m365.GraphBaseUrl), time));
        services.AddSingleton<IDirectoryLookup>(sp => new GraphDirectory(sp.GetRequiredService<GraphServiceClient>(), time) { CacheTtl = m365.DirectoryCacheTtl });
        services.AddSingleton<IApproverDirectory>(sp => new ApproverResolution(sp.GetRequiredService<IDirectoryLookup>()));
        if (m365.Outlook.Enabled)
        {
            services.AddSingleton(new CardTokens(Convert.FromBase64String(m365.CardTokenKey!), new BlobCardTokenLedger(state)));
            services.AddSingleton(sp => Microsoft365Channels.OutlookValidator(m365, sp.GetRequiredService<IHttpClientFactory>().CreateClient("oidc"), time));
            services.AddSingleton<OutlookActions>();
        }

        // Chat channels (Slack, the Teams bot): messages posted, then updated to the outcome by the orchestration.
        services.AddChatChannels(slack, teams);
        services.AddSingleton<IEnumerable<IApprovalNotifier>>(sp =>
        [
            new PortalInboxNotifier(),
            .. Microsoft365Channels.Notifiers(m365, sp.GetRequiredService<GraphServiceClient>(), sp.GetService<CardTokens>(), sp.GetRequiredService<IDeliveryLedger>(),
                links.Base, sp.GetRequiredService<IHttpClientFactory>().CreateClient("teams-workflows"), time),
            .. ChannelRegistration.Notifiers(sp),
        ]);

        // Callers: Entra tokens from the configured issuers, or hashed API keys (the gateway's authentication).
        services.AddSingleton(sp =>
        {
            HttpClient http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("oidc");
            var validators = options.Issuers
                .Select((issuer, i) => new OidcBearerValidator(issuer.ToValidatorOptions($"Approvals:Issuers:{i}"), http, time))
                .ToList();
            return Callers(options, validators);
        });
        services.AddSingleton<ActivitySteps>();

        // The HTTP API, shared with the gateway, over the task hub.
        services.AddSingleton(sp => new ApiServices(
            new ApiSettings
            {
                PublicBaseUrl = links.Base,
                MaxBodyBytes = options.MaxBodyBytes,
                Limits = options.Limits,
                MaxWait = options.MaxWait,
                DefaultRegion = options.DefaultRegion,
                Regions = options.AuditContainers.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase),
                OutlookOriginator = m365.Outlook.Enabled ? m365.Outlook.Originator : null,
            },
            sp.GetRequiredService<Masker>(),
            time,
            sp.GetRequiredService<ILogger<ApprovalsApi>>()));
        services.AddSingleton<DurableApis>();
        return services;
    }

    /// <summary>How callers are authenticated: the configured API keys (hashed) and token issuers, the app's role settings.</summary>
    public static CallerAuthentication Callers(ApprovalsOptions options, IReadOnlyList<OidcBearerValidator> validators)
    {
        ArgumentNullException.ThrowIfNull(options);
        var keys = new ApiKeyRing();
        foreach (ApiKeySetting key in options.ApiKeys)
        {
            keys.Add(key.KeyHash, new TokenCaller(key.Id, key.Id, null, null, key.Owner, new HashSet<string>(StringComparer.Ordinal) { key.Role }));
        }

        return new CallerAuthentication(keys, validators, new CallerRoleSettings { AgentOwners = options.AgentOwners, AuthContexts = options.AuthContexts });
    }

    /// <summary>The policy set deployed with the app: a directory's YAML/JSON files (not <c>*.tests.*</c>), or one file.</summary>
    private static PolicySet LoadPolicies(string path)
    {
        string[] files = File.Exists(path) ? [path]
            : Directory.Exists(path) ? [.. Directory.EnumerateFiles(path)
                .Where(f => Path.GetExtension(f) is ".yaml" or ".yml" or ".json" && !Path.GetFileNameWithoutExtension(f).EndsWith(".tests", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)]
            : throw new InvalidOperationException($"Approvals:PolicyPath '{path}' does not exist.");
        return PolicySet.Load([.. files.Select(f => new PolicySource(f, File.ReadAllText(f)))]);
    }
}

/// <summary>The public half of the receipt signing key (for <c>GET /api/receipts/keys</c>).</summary>
/// <param name="Key">The key.</param>
public sealed record ReceiptPublicKey(SecurityKey Key);
