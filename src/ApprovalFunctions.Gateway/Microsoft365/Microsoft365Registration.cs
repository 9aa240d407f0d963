using ApprovalFunctions.Gateway.Hosting;
using ApprovalFunctions.Microsoft365.Directory;
using ApprovalFunctions.Microsoft365.Graph;
using ApprovalFunctions.Microsoft365.Identity;
using ApprovalFunctions.Microsoft365.Notifications;
using ApprovalFunctions.Microsoft365.Outlook;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Graph;

namespace ApprovalFunctions.Gateway.Microsoft365;

/// <summary>Microsoft 365 delivery (Outlook, Teams), the Graph directory and Outlook's decision endpoint, as configured.</summary>
internal static class Microsoft365Registration
{
    public const string WorkflowsClient = "teams-workflows";

    /// <summary>
    /// Registers what <c>Microsoft365</c> switches on. Nothing is registered (and no credential is created) when the
    /// section is empty: the gateway then delivers to the portal inbox only.
    /// </summary>
    public static IServiceCollection AddMicrosoft365(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<Microsoft365Options>().BindConfiguration(Microsoft365Options.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Microsoft365Options>, Microsoft365OptionsValidation>();
        Microsoft365Options settings = configuration.GetSection(Microsoft365Options.Section).Get<Microsoft365Options>() ?? new();
        if (!settings.Enabled)
        {
            return services;
        }

        services.AddSingleton(_ => Credential(settings));
        services.AddSingleton(sp => GraphClients.Create(sp.GetRequiredService<TokenCredential>(), new Uri(settings.GraphBaseUrl), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IDeliveryLedger, SqliteDeliveryLedger>();

        if (settings.Directory)
        {
            services.Replace(ServiceDescriptor.Singleton<IDirectoryLookup>(sp =>
                new GraphDirectory(sp.GetRequiredService<GraphServiceClient>(), sp.GetRequiredService<TimeProvider>()) { CacheTtl = settings.DirectoryCacheTtl }));
        }

        if (settings.Outlook.Enabled)
        {
            services.AddSingleton<ICardTokenLedger, SqliteCardTokenLedger>();
            services.AddSingleton(sp => new CardTokens(
                CardTokenKey.Load(settings.CardTokenKey, sp.GetRequiredService<IOptions<GatewayOptions>>().Value.StateDirectoryFullPath),
                sp.GetRequiredService<ICardTokenLedger>()));
            services.AddSingleton<IApprovalNotifier>(sp => new OutlookNotifier(
                sp.GetRequiredService<GraphServiceClient>(), sp.GetRequiredService<CardTokens>(), settings.Outlook, sp.GetRequiredService<PublicUrls>().Base,
                sp.GetRequiredService<IDeliveryLedger>(), sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton(sp =>
            {
                var issuer = new OidcIssuerOptions
                {
                    MetadataAddress = settings.Metadata,
                    TenantId = settings.TenantId,
                    RequireHttpsMetadata = !new Uri(settings.Metadata).IsLoopback,
                    Audiences = { settings.Outlook.AppIdUri! },
                };
                HttpClient http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("oidc");
                return new ActionableMessageTokenValidator(new OidcBearerValidator(issuer, http, sp.GetRequiredService<TimeProvider>()));
            });
            services.AddSingleton<OutlookDecisions>();
        }

        if (settings.Teams.ActivityFeed)
        {
            services.AddSingleton<IApprovalNotifier>(sp => new TeamsActivityNotifier(sp.GetRequiredService<GraphServiceClient>(), settings.Teams, sp.GetRequiredService<IDeliveryLedger>()));
        }

        if (!string.IsNullOrWhiteSpace(settings.Teams.WorkflowsWebhookUrl))
        {
            services.AddHttpClient(WorkflowsClient).AddHttpMessageHandler(sp => new RetryAfterHandler(sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton<IApprovalNotifier>(sp => new TeamsWorkflowNotifier(
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(WorkflowsClient), new Uri(settings.Teams.WorkflowsWebhookUrl), sp.GetRequiredService<IDeliveryLedger>()));
        }

        return services;
    }

    /// <summary>Outlook's buttons post here; the endpoint authenticates the caller itself (Outlook's token and the card token).</summary>
    public static void MapOutlookDecisions(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IServiceProviderIsService>().IsService(typeof(OutlookDecisions)))
        {
            app.MapPost("/api/outlook/{id}", (HttpContext http, string id, OutlookDecisions outlook) => outlook.HandleAsync(http, id)).AllowAnonymous();
        }
    }

    /// <summary>A certificate, else a secret, else the platform's identity (managed identity, workload identity, developer sign-in).</summary>
    private static TokenCredential Credential(Microsoft365Options settings) =>
        settings.CertificatePath is not null ? new ClientCertificateCredential(settings.TenantId, settings.ClientId, settings.CertificatePath)
        : settings.ClientSecret is not null ? new ClientSecretCredential(settings.TenantId, settings.ClientId, settings.ClientSecret)
        : new DefaultAzureCredential(new DefaultAzureCredentialOptions { TenantId = settings.TenantId, ManagedIdentityClientId = settings.ClientId });
}

/// <summary>Checks the Microsoft 365 settings at start-up.</summary>
internal sealed class Microsoft365OptionsValidation(IOptions<GatewayOptions> gateway) : IValidateOptions<Microsoft365Options>
{
    public ValidateOptionsResult Validate(string? name, Microsoft365Options options)
    {
        Uri? publicBase = gateway.Value.PublicBaseUrl is string url && Uri.TryCreate(url, UriKind.Absolute, out Uri? parsed) ? parsed : null;
        IReadOnlyList<string> failures = options.Validate(publicBase);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
