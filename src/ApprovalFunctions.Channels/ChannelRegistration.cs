using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Channels.Slack;
using ApprovalFunctions.Channels.Teams;
using ApprovalFunctions.Microsoft365.Directory;
using ApprovalFunctions.Microsoft365.Graph;
using ApprovalFunctions.Microsoft365.Identity;
using ApprovalFunctions.Microsoft365.Notifications;
using Azure.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace ApprovalFunctions.Channels;

/// <summary>
/// Registers the chat channels the same way on both hosts. The host supplies the stores (<see cref="IPostedMessages"/>,
/// <see cref="IDeliveryLedger"/>), the directory (<see cref="IDirectoryLookup"/>) and a <see cref="TimeProvider"/>, and
/// validates the settings at start-up (<see cref="SlackOptions.Validate"/>).
/// </summary>
public static class ChannelRegistration
{
    /// <summary>The named <see cref="HttpClient"/> for Slack's Web API (retries 429 as <c>Retry-After</c> asks).</summary>
    public const string SlackHttpClient = "slack";

    /// <summary>
    /// Slack and the Teams bot as their settings switch them on, and <see cref="OutcomeUpdates"/> over whichever are
    /// (with none, it updates nothing).
    /// </summary>
    public static IServiceCollection AddChatChannels(this IServiceCollection services, SlackOptions slack, TeamsBotOptions teams)
    {
        services.AddSlack(slack).AddTeamsBot(teams);
        services.AddSingleton(sp => new OutcomeUpdates(sp.GetRequiredService<IPostedMessages>(), sp.GetServices<IOutcomeUpdater>()));
        return services;
    }

    /// <summary>Slack, when <paramref name="options"/> switches it on: the API, the people links, the notifier and the interaction endpoint's channel.</summary>
    private static IServiceCollection AddSlack(this IServiceCollection services, SlackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return services;
        }

        services.AddSingleton(options);
        services.AddHttpClient(SlackHttpClient).AddHttpMessageHandler(sp => new RetryAfterHandler(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new SlackApi(sp.GetRequiredService<IHttpClientFactory>().CreateClient(SlackHttpClient), options));
        services.TryAddSingleton(SlackLinks.None);
        services.AddSingleton(sp => new SlackPeople(sp.GetRequiredService<SlackApi>(), options, sp.GetRequiredService<IDirectoryLookup>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<SlackLinks>()));
        services.AddSingleton(sp => new SlackNotifier(sp.GetRequiredService<SlackApi>(), sp.GetRequiredService<SlackPeople>(), options, sp.GetRequiredService<IDeliveryLedger>(),
            sp.GetRequiredService<IPostedMessages>()));
        services.AddSingleton<IOutcomeUpdater>(sp => sp.GetRequiredService<SlackNotifier>());
        services.AddSingleton(sp => new SlackChannel(options, sp.GetRequiredService<SlackApi>(), sp.GetRequiredService<SlackPeople>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SlackChannel>>()));
        return services;
    }

    /// <summary>The named <see cref="HttpClient"/> for the Bot Connector (retries 429 and 5xx as <c>Retry-After</c> asks).</summary>
    public const string TeamsHttpClient = "teams-bot";

    /// <summary>
    /// The Teams bot, when <paramref name="options"/> switches it on: the token validator, the Bot Connector, the notifier
    /// and the bot endpoint's channel. The host may register its <see cref="TeamsPeople"/> first (default: people are
    /// Entra users) and a <see cref="TeamsBotCredential"/> (default: the app's secret, else the platform's identity).
    /// </summary>
    private static IServiceCollection AddTeamsBot(this IServiceCollection services, TeamsBotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return services;
        }

        services.AddSingleton(options);
        services.TryAddSingleton(TeamsPeople.Entra);
        services.TryAddSingleton(_ => new TeamsBotCredential(options.ClientSecret is not null
            ? new ClientSecretCredential(options.TenantId, options.AppId, options.ClientSecret)
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { TenantId = options.TenantId, ManagedIdentityClientId = options.AppId })));
        services.AddHttpClient(TeamsHttpClient).AddHttpMessageHandler(sp => new RetryAfterHandler(sp.GetRequiredService<TimeProvider>()));
        services.AddHttpClient(TeamsHttpClient + "-keys");
        services.AddSingleton(sp => new BotConnector(sp.GetRequiredService<IHttpClientFactory>().CreateClient(TeamsHttpClient), sp.GetRequiredService<TeamsBotCredential>(), options));
        services.AddSingleton(sp => new TeamsBot(
            options,
            new OidcBearerValidator(TeamsBot.IssuerOptions(options), sp.GetRequiredService<IHttpClientFactory>().CreateClient(TeamsHttpClient + "-keys"), sp.GetRequiredService<TimeProvider>()),
            sp.GetRequiredService<BotConnector>(),
            sp.GetRequiredService<TeamsPeople>()));
        services.AddSingleton(sp => new TeamsBotNotifier(sp.GetRequiredService<BotConnector>(), sp.GetRequiredService<TeamsPeople>(), options, sp.GetRequiredService<IDeliveryLedger>(),
            sp.GetRequiredService<IPostedMessages>()));
        services.AddSingleton<IOutcomeUpdater>(sp => sp.GetRequiredService<TeamsBotNotifier>());
        return services;
    }

    /// <summary>The notifiers of the chat channels registered (for hosts that build their notifier list themselves).</summary>
    public static IEnumerable<IApprovalNotifier> Notifiers(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetService<SlackNotifier>() is SlackNotifier slack)
        {
            yield return slack;
        }

        if (services.GetService<TeamsBotNotifier>() is TeamsBotNotifier teams)
        {
            yield return teams;
        }
    }
}
