using System.Collections.Concurrent;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Directory;

namespace ApprovalFunctions.Channels.Slack;

/// <summary>Links from Slack user ids to people's ids that a host holds besides the settings (the gateway's identities file).</summary>
/// <param name="SlackToPerson">Slack user id → person id.</param>
public sealed record SlackLinks(IReadOnlyDictionary<string, string> SlackToPerson)
{
    /// <summary>No links.</summary>
    public static SlackLinks None { get; } = new(new Dictionary<string, string>());
}

/// <summary>
/// Links Slack users and people: an explicit link (<see cref="SlackOptions.Users"/>, or the host's
/// <see cref="SlackLinks"/>: the gateway's identities file) wins; otherwise a person is found in Slack by their directory e-mail
/// (<c>users.lookupByEmail</c>), and a Slack user in the directory by the e-mail Slack holds for them (<c>users.info</c>),
/// which must be the directory person's e-mail exactly. Answers, found or not, are remembered for
/// <see cref="SlackOptions.LookupCacheTtl"/>. The person's id (never the e-mail) is who decides.
/// </summary>
public class SlackPeople
{
    private readonly SlackApi _api;
    private readonly SlackOptions _options;
    private readonly Dictionary<string, string> _links;
    private readonly IDirectoryLookup _directory;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (string? Value, DateTimeOffset Until)> _slackIds = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, (Person? Value, DateTimeOffset Until)> _people = new(StringComparer.Ordinal);

    /// <summary>Creates the links.</summary>
    public SlackPeople(SlackApi api, SlackOptions options, IDirectoryLookup directory, TimeProvider time, SlackLinks? links = null)
    {
        _api = Check.NotNull(api);
        _options = Check.NotNull(options);
        _links = new Dictionary<string, string>((links ?? SlackLinks.None).SlackToPerson, StringComparer.Ordinal);
        foreach ((string slackUser, string person) in options.Users)
        {
            _links[slackUser] = person;
        }

        _directory = Check.NotNull(directory);
        _time = Check.NotNull(time);
    }

    /// <summary>For mocking.</summary>
    protected SlackPeople()
    {
        _api = null!;
        _options = new SlackOptions();
        _links = [];
        _directory = null!;
        _time = TimeProvider.System;
    }

    /// <summary>The Slack user id to message <paramref name="person"/> at, or null when they have none.</summary>
    public virtual async Task<string?> SlackUserOfAsync(Person person, CancellationToken cancellationToken)
    {
        Check.NotNull(person);
        foreach ((string slackUser, string personId) in _links)
        {
            if (personId == person.Id)
            {
                return slackUser;
            }
        }

        if (string.IsNullOrWhiteSpace(person.Email))
        {
            return null;
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (_slackIds.TryGetValue(person.Email, out var known) && known.Until > now)
        {
            return known.Value;
        }

        string? found = await _api.LookupByEmailAsync(person.Email, cancellationToken).ConfigureAwait(false);
        _slackIds[person.Email] = (found, now + _options.LookupCacheTtl);
        return found;
    }

    /// <summary>The person behind Slack user <paramref name="slackUserId"/>, or null when none can be named for sure.</summary>
    public virtual async Task<Person?> PersonOfAsync(string slackUserId, CancellationToken cancellationToken)
    {
        Check.NotNullOrWhiteSpace(slackUserId);
        DateTimeOffset now = _time.GetUtcNow();
        if (_people.TryGetValue(slackUserId, out var known) && known.Until > now)
        {
            return known.Value;
        }

        Person? person;
        if (_links.TryGetValue(slackUserId, out string? personId))
        {
            person = await _directory.UserAsync(personId, cancellationToken).ConfigureAwait(false) ?? new Person(personId);
            person = person.Id == personId ? person : new Person(personId);
        }
        else
        {
            string? email = await _api.EmailOfAsync(slackUserId, cancellationToken).ConfigureAwait(false);
            person = string.IsNullOrWhiteSpace(email) ? null : await _directory.UserAsync(email, cancellationToken).ConfigureAwait(false);
            if (person is not null && !string.Equals(person.Email, email, StringComparison.OrdinalIgnoreCase))
            {
                person = null; // found by another attribute (an id or UPN that looks like the address): not the same person for sure
            }
        }

        _people[slackUserId] = (person, now + _options.LookupCacheTtl);
        return person;
    }
}
