using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Identity;

namespace ApprovalFunctions.Channels.Teams;

/// <summary>
/// How a host knows people in Teams: the Entra object id a person is messaged at, and the person an object id is. On the
/// Functions app both are the identity (people are Entra users); the gateway maps through its identities file's
/// <c>objectId</c>.
/// </summary>
/// <param name="ObjectIdOf">A person's Entra object id, or null when they have none.</param>
/// <param name="PersonIdOf">The person id of an Entra object id (the object id itself when it names nobody else).</param>
public sealed record TeamsPeople(Func<Person, string?> ObjectIdOf, Func<string, string> PersonIdOf)
{
    /// <summary>People are Entra users: their id is their object id.</summary>
    public static TeamsPeople Entra { get; } = new(p => string.IsNullOrWhiteSpace(p.Id) ? null : p.Id, oid => oid);
}

/// <summary>
/// Everything the bot endpoint needs: the settings, the Bot Connector token validator (the Bot Framework's keys endorsed
/// for <c>msteams</c>, audience = the bot's app id), the connector and how people are known.
/// </summary>
public sealed class TeamsBot
{
    /// <summary>The endorsement the signing key must carry.</summary>
    public const string ChannelEndorsement = "msteams";

    /// <summary>Creates the bot.</summary>
    public TeamsBot(TeamsBotOptions options, OidcBearerValidator validator, BotConnector connector, TeamsPeople people)
    {
        Options = Check.NotNull(options);
        Validator = Check.NotNull(validator);
        Connector = Check.NotNull(connector);
        People = Check.NotNull(people);
    }

    /// <summary>The settings.</summary>
    public TeamsBotOptions Options { get; }

    /// <summary>Validates the Bot Connector's tokens.</summary>
    public OidcBearerValidator Validator { get; }

    /// <summary>The Bot Connector.</summary>
    public BotConnector Connector { get; }

    /// <summary>How people are known.</summary>
    public TeamsPeople People { get; }

    /// <summary>What the validator checks, from <paramref name="options"/>.</summary>
    public static OidcIssuerOptions IssuerOptions(TeamsBotOptions options)
    {
        Check.NotNull(options);
        var issuer = new OidcIssuerOptions
        {
            MetadataAddress = options.OpenIdMetadata,
            RequireHttpsMetadata = OidcIssuerOptions.HttpsRequiredFor(options.OpenIdMetadata),
            RequiredEndorsement = ChannelEndorsement,
            ClockSkew = TimeSpan.FromMinutes(5),
        };
        issuer.Audiences.Add(Check.NotNullOrWhiteSpace(options.AppId));
        issuer.Issuers.Add(options.Issuer);
        return issuer;
    }

    /// <summary>True when the token's <c>serviceurl</c> claim names the service the activity says it came through.</summary>
    public static bool SameService(string? claimed, string? activity) =>
        claimed is not null && activity is not null
        && string.Equals(claimed.TrimEnd('/'), activity.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
}
