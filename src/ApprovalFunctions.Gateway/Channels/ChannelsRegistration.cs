using ApprovalFunctions.Channels;
using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Channels.Slack;
using ApprovalFunctions.Channels.Teams;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Gateway.Microsoft365;
using ApprovalFunctions.Microsoft365.Notifications;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Channels;

/// <summary>Slack and the Teams bot on the gateway: the shared registration over the gateway's stores.</summary>
internal static class ChannelsRegistration
{
    /// <summary>
    /// Registers what <c>Slack</c> and <c>TeamsBot</c> switch on: the channels (Slack's links include the identities
    /// file's <c>slack:</c> entries; Teams knows people by the file's <c>objectId</c>), their messages in the database,
    /// and the sweeper that updates them to the outcome.
    /// </summary>
    public static IServiceCollection AddGatewayChannels(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SlackOptions>().BindConfiguration(SlackOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SlackOptions>, SlackOptionsValidation>();
        services.AddOptions<TeamsBotOptions>().BindConfiguration(TeamsBotOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TeamsBotOptions>, TeamsBotOptionsValidation>();
        SlackOptions slack = configuration.GetSection(SlackOptions.Section).Get<SlackOptions>() ?? new();
        TeamsBotOptions teams = configuration.GetSection(TeamsBotOptions.Section).Get<TeamsBotOptions>() ?? new();
        if (!slack.Enabled && !teams.Enabled)
        {
            return services;
        }

        services.TryAddSingleton<IDeliveryLedger, SqliteDeliveryLedger>();
        services.AddSingleton<SqlitePostedMessages>();
        services.AddSingleton<IPostedMessages>(sp => sp.GetRequiredService<SqlitePostedMessages>());
        services.AddHostedService<OutcomeSweeper>();
        if (slack.Enabled)
        {
            services.AddSingleton(sp => new SlackLinks(sp.GetRequiredService<IdentitiesFile>().SlackLinks()));
            services.AddSingleton<IApprovalNotifier>(sp => sp.GetRequiredService<SlackNotifier>());
        }

        if (teams.Enabled)
        {
            // People are the identities file's; Teams knows them by the file's objectId.
            services.AddSingleton(sp =>
            {
                IdentitiesFile identities = sp.GetRequiredService<IdentitiesFile>();
                return new TeamsPeople(p => identities.ObjectIdOf(p.Id), identities.PersonIdOf);
            });
            services.AddSingleton<IApprovalNotifier>(sp => sp.GetRequiredService<TeamsBotNotifier>());
        }

        return services.AddChatChannels(slack, teams);
    }
}

/// <summary>Checks the Teams bot settings at start-up.</summary>
internal sealed class TeamsBotOptionsValidation : IValidateOptions<TeamsBotOptions>
{
    public ValidateOptionsResult Validate(string? name, TeamsBotOptions options)
    {
        IReadOnlyList<string> failures = options.Validate();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
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
