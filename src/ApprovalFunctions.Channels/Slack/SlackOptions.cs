namespace ApprovalFunctions.Channels.Slack;

/// <summary>The Slack app approvers answer in (section <c>Slack</c>, the same on both hosts).</summary>
public sealed class SlackOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Slack";

    /// <summary>Slack's Web API.</summary>
    public const string DefaultApiBaseUrl = "https://slack.com/api/";

    /// <summary>The bot token (<c>xoxb-…</c>, a Key Vault reference in Azure). Slack is on when it is set.</summary>
    public string? BotToken { get; set; }

    /// <summary>The app's signing secret: every interaction must carry its signature.</summary>
    public string? SigningSecret { get; set; }

    /// <summary>The Web API's base URL (Slack's unless a test or a proxy stands in).</summary>
    public string ApiBaseUrl { get; set; } = DefaultApiBaseUrl;

    /// <summary>A channel (id like <c>C0123…</c>) that also gets every request, optional.</summary>
    public string? Channel { get; set; }

    /// <summary>When set, only interactions from this workspace (team id <c>T…</c>) are taken.</summary>
    public string? TeamId { get; set; }

    /// <summary>Explicit links from Slack user ids (<c>U…</c>) to people's directory ids; others are found by e-mail.</summary>
    public Dictionary<string, string> Users { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long Slack user and directory lookups are remembered.</summary>
    public TimeSpan LookupCacheTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How old a signed request may be (Slack's advice: five minutes).</summary>
    public TimeSpan MaxRequestAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The largest interaction body read.</summary>
    public int MaxBodyBytes { get; set; } = 128 * 1024;

    /// <summary>True when Slack is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(BotToken);

    /// <summary>Every problem with these settings, each naming its setting.</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (!Enabled && string.IsNullOrWhiteSpace(SigningSecret))
        {
            return failures;
        }

        if (string.IsNullOrWhiteSpace(BotToken) || !BotToken.StartsWith("xoxb-", StringComparison.Ordinal))
        {
            failures.Add("Slack:BotToken must be the app's bot token (xoxb-…).");
        }

        if (string.IsNullOrWhiteSpace(SigningSecret) || SigningSecret.Length < 16)
        {
            failures.Add("Slack:SigningSecret must be the app's signing secret (Basic Information → App Credentials).");
        }

        if (!Uri.TryCreate(ApiBaseUrl, UriKind.Absolute, out Uri? api) || (api.Scheme != Uri.UriSchemeHttps && !api.IsLoopback) || !ApiBaseUrl.EndsWith('/'))
        {
            failures.Add("Slack:ApiBaseUrl must be an absolute https URL ending in '/' (default https://slack.com/api/).");
        }

        if (Channel is not null && !IsSlackId(Channel, 'C', 'G'))
        {
            failures.Add("Slack:Channel must be a channel id (C… or G…), not a name.");
        }

        if (TeamId is not null && !IsSlackId(TeamId, 'T', 'E'))
        {
            failures.Add("Slack:TeamId must be a workspace id (T…).");
        }

        foreach ((string slackUser, string person) in Users)
        {
            if (!IsSlackId(slackUser, 'U', 'W') || string.IsNullOrWhiteSpace(person))
            {
                failures.Add($"Slack:Users:{Core.LogText.Sanitize(slackUser, 40)} must map a Slack user id (U… or W…) to a person's id.");
            }
        }

        if (MaxRequestAge <= TimeSpan.Zero || MaxRequestAge > TimeSpan.FromMinutes(5))
        {
            failures.Add("Slack:MaxRequestAge must be positive and at most 5 minutes.");
        }

        return failures;
    }

    private static bool IsSlackId(string value, params char[] prefixes) =>
        value.Length is >= 3 and <= 32 && prefixes.Contains(value[0]) && value.All(char.IsAsciiLetterOrDigit) && value.Skip(1).All(c => !char.IsAsciiLetterLower(c));
}
