using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Channels.Slack;
using ApprovalFunctions.Microsoft365.Directory;
using ApprovalFunctions.Microsoft365.Graph;
using ApprovalFunctions.Microsoft365.Notifications;
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

    /// <summary>Slack, when <paramref name="options"/> switches it on: the API, the people links, the notifier and the interaction endpoint's channel.</summary>
    public static IServiceCollection AddSlack(this IServiceCollection services, SlackOptions options)
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
        services.TryAddSingleton(sp => new OutcomeUpdates(sp.GetRequiredService<IPostedMessages>(), sp.GetServices<IOutcomeUpdater>()));
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
    }
}
