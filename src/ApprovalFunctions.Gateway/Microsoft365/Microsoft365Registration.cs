using ApprovalFunctions.Gateway.Hosting;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Microsoft365;
using ApprovalFunctions.Microsoft365.Directory;
using ApprovalFunctions.Microsoft365.Graph;
using ApprovalFunctions.Microsoft365.Notifications;
using ApprovalFunctions.Microsoft365.Outlook;
using Azure.Core;
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

        services.AddSingleton(_ => Microsoft365Channels.Credential(settings));
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
            services.AddSingleton(sp => Microsoft365Channels.OutlookValidator(
                settings, sp.GetRequiredService<IHttpClientFactory>().CreateClient("oidc"), sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton(sp => new OutlookActions(
                sp.GetRequiredService<ActionableMessageTokenValidator>(), sp.GetRequiredService<CardTokens>(), sp.GetRequiredService<IdentitiesFile>().PersonIdOf));
        }

        services.AddHttpClient(WorkflowsClient).AddHttpMessageHandler(sp => new RetryAfterHandler(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Microsoft365Notifiers>(sp => new(Microsoft365Channels.Notifiers(
            settings,
            sp.GetRequiredService<GraphServiceClient>(),
            sp.GetService<CardTokens>(),
            sp.GetRequiredService<IDeliveryLedger>(),
            sp.GetRequiredService<PublicUrls>().Base,
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(WorkflowsClient),
            sp.GetRequiredService<TimeProvider>())));
        foreach (int index in Enumerable.Range(0, (settings.Outlook.Enabled ? 1 : 0) + (settings.Teams.ActivityFeed ? 1 : 0) + (string.IsNullOrWhiteSpace(settings.Teams.WorkflowsWebhookUrl) ? 0 : 1)))
        {
            services.AddSingleton<IApprovalNotifier>(sp => sp.GetRequiredService<Microsoft365Notifiers>().All[index]);
        }

        return services;
    }
}

/// <summary>The configured Microsoft 365 channels, built once and registered one by one as <see cref="IApprovalNotifier"/>.</summary>
internal sealed record Microsoft365Notifiers(IReadOnlyList<IApprovalNotifier> All);

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
