namespace ApprovalFunctions.Channels.Teams;

/// <summary>The Teams bot approvers answer in (section <c>TeamsBot</c>, the same on both hosts).</summary>
public sealed class TeamsBotOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "TeamsBot";

    /// <summary>The Bot Framework's OpenID metadata (the keys that sign the Bot Connector's tokens).</summary>
    public const string BotFrameworkMetadata = "https://login.botframework.com/v1/.well-known/openidconfiguration";

    /// <summary>The issuer of the Bot Connector's tokens.</summary>
    public const string BotFrameworkIssuer = "https://api.botframework.com";

    /// <summary>The bot's Entra app id (for a bot on a user-assigned managed identity, that identity's client id). The bot is on when it is set.</summary>
    public string? AppId { get; set; }

    /// <summary>The tenant the bot serves: conversations are created in it, and activities from other tenants are refused.</summary>
    public string? TenantId { get; set; }

    /// <summary>A client secret of the bot's app (a Key Vault reference in Azure); without one the platform's identity is used.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Where proactive conversations are created (Teams' service URL for the tenant's region).</summary>
    public string ServiceUrl { get; set; } = "https://smba.trafficmanager.net/teams/";

    /// <summary>The Bot Connector tokens' OpenID metadata (the Bot Framework's unless a test stands in).</summary>
    public string OpenIdMetadata { get; set; } = BotFrameworkMetadata;

    /// <summary>The Bot Connector tokens' issuer.</summary>
    public string Issuer { get; set; } = BotFrameworkIssuer;

    /// <summary>The scope of the bot's own tokens for the Bot Connector.</summary>
    public string TokenScope { get; set; } = "https://api.botframework.com/.default";

    /// <summary>A Teams channel conversation (<c>19:…@thread.tacv2</c>) that also gets every request, optional.</summary>
    public string? ChannelConversationId { get; set; }

    /// <summary>The largest activity read.</summary>
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>True when the bot is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(AppId);

    /// <summary>Every problem with these settings, each naming its setting.</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (!Enabled)
        {
            return failures;
        }

        if (!Guid.TryParse(AppId, out _))
        {
            failures.Add("TeamsBot:AppId must be the bot's Entra application (client) id (a GUID).");
        }

        if (!Guid.TryParse(TenantId, out _))
        {
            failures.Add("TeamsBot:TenantId must be the tenant's id (a GUID).");
        }

        foreach ((string name, string value) in new[] { ("ServiceUrl", ServiceUrl), ("OpenIdMetadata", OpenIdMetadata) })
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? url) || (url.Scheme != Uri.UriSchemeHttps && !url.IsLoopback))
            {
                failures.Add($"TeamsBot:{name} must be an absolute https URL.");
            }
        }

        if (string.IsNullOrWhiteSpace(Issuer))
        {
            failures.Add("TeamsBot:Issuer must name the Bot Connector tokens' issuer.");
        }

        if (ChannelConversationId is not null && !ChannelConversationId.StartsWith("19:", StringComparison.Ordinal))
        {
            failures.Add("TeamsBot:ChannelConversationId must be a Teams channel's conversation id (19:…).");
        }

        return failures;
    }
}
