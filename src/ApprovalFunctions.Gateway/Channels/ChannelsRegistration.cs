using ApprovalFunctions.Channels;
using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Channels.Slack;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Gateway.Microsoft365;
using ApprovalFunctions.Microsoft365.Notifications;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Channels;

/// <summary>Slack (and the other chat channels) on the gateway: the shared registration over the gateway's stores.</summary>
internal static class ChannelsRegistration
{
    /// <summary>
    /// Registers what <c>Slack</c> switches on: the channel (its links include the identities file's <c>slack:</c>
    /// entries), its messages in the database, and the sweeper that updates them to the outcome.
    /// </summary>
    public static IServiceCollection AddGatewayChannels(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SlackOptions>().BindConfiguration(SlackOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SlackOptions>, SlackOptionsValidation>();
        SlackOptions slack = configuration.GetSection(SlackOptions.Section).Get<SlackOptions>() ?? new();
        if (!slack.Enabled)
        {
            return services;
        }

        services.TryAddSingleton<IDeliveryLedger, SqliteDeliveryLedger>();
        services.AddSingleton<SqlitePostedMessages>();
        services.AddSingleton<IPostedMessages>(sp => sp.GetRequiredService<SqlitePostedMessages>());
        services.AddSingleton(sp => new SlackLinks(sp.GetRequiredService<IdentitiesFile>().SlackLinks()));
        services.AddSlack(slack);
        services.AddSingleton<IApprovalNotifier>(sp => sp.GetRequiredService<SlackNotifier>());
        services.AddHostedService<OutcomeSweeper>();
        return services;
    }
}

/// <summary>Checks the Slack settings at start-up.</summary>
internal sealed class SlackOptionsValidation : IValidateOptions<SlackOptions>
{
    public ValidateOptionsResult Validate(string? name, SlackOptions options)
    {
        IReadOnlyList<string> failures = options.Validate();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
