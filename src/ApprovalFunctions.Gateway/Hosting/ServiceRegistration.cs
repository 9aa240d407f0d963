using ApprovalFunctions.Api;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Receipts;
using ApprovalFunctions.Gateway.Api;
using ApprovalFunctions.Gateway.Approvers;
using ApprovalFunctions.Gateway.Audit;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Gateway.Policies;
using ApprovalFunctions.Gateway.Release;
using ApprovalFunctions.Gateway.Runner;
using ApprovalFunctions.Gateway.Storage;
using ApprovalFunctions.Microsoft365.Directory;
using ApprovalFunctions.Microsoft365.Identity;
using ApprovalFunctions.Microsoft365.Notifications;
using ApprovalFunctions.Microsoft365.Portal;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Hosting;

/// <summary>The gateway's parts, one registration method per concern.</summary>
internal static class ServiceRegistration
{
    /// <summary>Options (validated at start-up), the clock, policies, masking and receipts.</summary>
    public static IServiceCollection AddApprovalCore(this IServiceCollection services)
    {
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateOnStart();
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section).ValidateOnStart();
        services.AddOptions<ReceiptOptions>().BindConfiguration(ReceiptOptions.Section).ValidateOnStart();
        services.AddOptions<ReleaseOptions>().BindConfiguration(ReleaseOptions.Section).ValidateOnStart();
        services.AddOptions<IdentityOptions>().BindConfiguration(IdentityOptions.Section).ValidateOnStart();
        services.AddOptions<MaskingOptions>().BindConfiguration("Masking").ValidateOnStart();
        services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PortalOptions>, PortalOptionsValidation>();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidation>();
        services.AddSingleton<IValidateOptions<AuditOptions>, AuditOptionsValidation>();
        services.AddSingleton<IValidateOptions<ReceiptOptions>, ReceiptOptionsValidation>();
        services.AddSingleton<IValidateOptions<ReleaseOptions>, ReleaseOptionsValidation>();
        services.AddSingleton<IValidateOptions<IdentityOptions>, IdentityOptionsValidation>();
        services.AddSingleton<IValidateOptions<MaskingOptions>, MaskingOptionsValidation>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<PublicUrls>();
        services.AddSingleton<PolicySetCache>();
        services.AddSingleton<PolicyProvider>();
        services.AddSingleton(sp => new Masker(sp.GetRequiredService<IOptions<MaskingOptions>>().Value));
        services.AddSingleton<ReceiptKeyStore>();
        services.AddSingleton(sp => new ReceiptIssuer(new ReceiptIssuerOptions
        {
            Issuer = sp.GetRequiredService<PublicUrls>().Base.ToString().TrimEnd('/'),
            Audience = sp.GetRequiredService<IOptions<ReceiptOptions>>().Value.Audience,
            Lifetime = sp.GetRequiredService<IOptions<ReceiptOptions>>().Value.Lifetime,
            SigningKey = sp.GetRequiredService<ReceiptKeyStore>().SigningKey,
        }));
        return services;
    }

    /// <summary>The SQLite database, the per-region audit store and the writer that fills it from the outbox.</summary>
    public static IServiceCollection AddGatewayStore(this IServiceCollection services)
    {
        services.AddSingleton(sp => new GatewayDatabase(Path.Combine(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.StateDirectoryFullPath, "gateway.db")));
        services.AddSingleton<ActionStore>();
        services.AddSingleton<FileAuditStore>();
        services.AddSingleton<AuditSignal>();
        services.AddHostedService<AuditWriter>();
        return services;
    }

    /// <summary>API keys, trusted token issuers, development identities and the authorization policies.</summary>
    public static IServiceCollection AddGatewayIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        // Only when asked for (--dev or Gateway:DevMode=true), never from the environment's name alone.
        services.AddSingleton(new DevMode(configuration.GetValue<bool?>("Gateway:DevMode") ?? false));
        services.AddSingleton(sp =>
        {
            GatewayOptions gateway = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            string? path = gateway.IdentitiesPath ?? (sp.GetRequiredService<DevMode>().Enabled ? Path.Combine(AppContext.BaseDirectory, "dev-identities.yaml") : null);
            return path is null ? IdentitiesFile.Empty : IdentitiesFile.Load(path);
        });
        services.AddSingleton(GatewayCallers.Create);
        services.AddSingleton(sp => new DevIssuer(
            Path.Combine(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.StateDirectoryFullPath, "dev-issuer-key.pem"),
            sp.GetRequiredService<PublicUrls>().Base));
        services.AddHttpClient("oidc");
        services.AddSingleton(sp =>
        {
            var validators = new List<OidcBearerValidator>();
            if (sp.GetRequiredService<DevMode>().Enabled)
            {
                validators.Add(sp.GetRequiredService<DevIssuer>().Validator(sp.GetRequiredService<TimeProvider>()));
            }

            HttpClient http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("oidc");
            TimeProvider time = sp.GetRequiredService<TimeProvider>();
            validators.AddRange(sp.GetRequiredService<IOptions<IdentityOptions>>().Value.Issuers.Select(i => new OidcBearerValidator(i.ToOptions(), http, time)));
            return new BearerValidators(validators);
        });
        services.AddAuthentication(GatewayAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, GatewayAuthenticationHandler>(GatewayAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return services;
    }

    /// <summary>The durable runner that advances every action.</summary>
    public static IServiceCollection AddProcessRunner(this IServiceCollection services)
    {
        services.AddSingleton<ActionLocks>();
        services.AddSingleton<RunnerSignal>();
        services.AddSingleton<Channels.OutcomeSignal>();
        services.AddSingleton<WebhookSignal>();
        services.AddSingleton<ActionCompletions>();
        services.AddSingleton<StepExecutor>();
        services.AddHostedService<ProcessRunner>();
        return services;
    }

    /// <summary>Release to executors: the poll feed is in the database; the webhook is delivered from its outbox.</summary>
    public static IServiceCollection AddRelease(this IServiceCollection services)
    {
        services.AddHttpClient(WebhookDispatcher.HttpClientName);
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }

    /// <summary>The directory (approver resolution) and the channels that notify approvers.</summary>
    public static IServiceCollection AddApproverDelivery(this IServiceCollection services)
    {
        services.AddSingleton<IDirectoryLookup, IdentitiesDirectory>();
        services.AddSingleton<IApproverDirectory>(sp => new ApproverResolution(sp.GetRequiredService<IDirectoryLookup>()));
        services.AddSingleton<IApprovalNotifier, PortalInboxNotifier>();
        return services;
    }

    /// <summary>The shared HTTP API over the gateway's backend, and JSON settings.</summary>
    public static IServiceCollection AddGatewayApi(this IServiceCollection services)
    {
        services.AddSingleton<GatewayBackend>();
        services.AddSingleton(sp =>
        {
            GatewayOptions gateway = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            var settings = new ApiSettings
            {
                PublicBaseUrl = sp.GetRequiredService<PublicUrls>().Base,
                MaxBodyBytes = gateway.MaxBodyBytes,
                Limits = gateway.Limits,
                MaxWait = gateway.MaxWait,
                DefaultRegion = gateway.DefaultRegion,
                Regions = sp.GetRequiredService<FileAuditStore>().Regions.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase),
                OutlookOriginator = sp.GetService<IOptions<Microsoft365Options>>()?.Value.Outlook.Originator,
            };
            return new ApiServices(settings, sp.GetRequiredService<Core.Masking.Masker>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ApprovalsApi>>());
        });
        services.AddSingleton(sp => new ApprovalsApi(sp.GetRequiredService<GatewayBackend>(), sp.GetRequiredService<ApiServices>()));

        // /mcp: the approval tools over Streamable HTTP, each call made as the authenticated agent.
        services.AddMcpServer(mcp =>
        {
            mcp.ServerInfo = new ModelContextProtocol.Protocol.Implementation { Name = "approvals", Version = "1.0" };
            mcp.ToolCollection = [.. Mcp.ApprovalTools.Create(request => new Mcp.ApprovalTools(
                new LocalApprovalsClient(request.Services!.GetRequiredService<ApprovalsApi>(), CallerPrincipal.From(request.User!))))];
        }).WithHttpTransport(http => http.Stateless = true);
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        return services;
    }
}
