using System.Collections.Concurrent;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Person = ApprovalFunctions.Core.Process.Person;
using Microsoft.Graph.Models.ODataErrors;

namespace ApprovalFunctions.Microsoft365.Directory;

/// <summary>
/// The Entra ID directory through Microsoft Graph: a group (by object id or display name) to its people, transitively;
/// a user by object id or UPN; a user's manager. Answers are cached for <see cref="CacheTtl"/> (on the injected clock),
/// so resolving the approvers of many actions costs a handful of Graph calls. Unknown groups and users resolve to
/// nobody, which fails closed: nobody can approve. Graph failures other than "not found" throw, so the step is retried.
/// </summary>
public sealed class GraphDirectory : IDirectoryLookup
{
    private static readonly string[] UserFields = ["id", "displayName", "mail", "userPrincipalName"];

    private readonly GraphServiceClient _graph;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (DateTimeOffset Expires, object? Value)> _cache = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates the directory over <paramref name="graph"/>.</summary>
    public GraphDirectory(GraphServiceClient graph, TimeProvider? time = null)
    {
        _graph = graph ?? throw new ArgumentNullException(nameof(graph));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How long answers are kept.</summary>
    public TimeSpan CacheTtl { get; init; } = TimeSpan.FromMinutes(10);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Person>> GroupMembersAsync(string group, CancellationToken cancellationToken) =>
        await CachedAsync("group:" + group, async () =>
        {
            string? id = Guid.TryParse(group, out _) ? group : await GroupIdByNameAsync(group, cancellationToken).ConfigureAwait(false);
            return id is null ? [] : await TransitiveUsersAsync(id, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false) ?? [];

    /// <inheritdoc />
    public Task<Person?> UserAsync(string user, CancellationToken cancellationToken) =>
        CachedAsync("user:" + user, async () =>
        {
            User? found = await NotFoundAsNullAsync(() => _graph.Users[user].GetAsync(r => r.QueryParameters.Select = UserFields, cancellationToken)).ConfigureAwait(false);
            return found is null ? null : ToPerson(found);
        });

    /// <inheritdoc />
    public Task<Person?> ManagerAsync(string userId, CancellationToken cancellationToken) =>
        CachedAsync("manager:" + userId, async () =>
        {
            DirectoryObject? manager = await NotFoundAsNullAsync(() => _graph.Users[userId].Manager.GetAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
            return manager is User user ? ToPerson(user) : null;
        });

    private async Task<string?> GroupIdByNameAsync(string name, CancellationToken cancellationToken)
    {
        GroupCollectionResponse? groups = await _graph.Groups.GetAsync(r =>
        {
            // OData string literals double their quotes.
            r.QueryParameters.Filter = $"displayName eq '{name.Replace("'", "''", StringComparison.Ordinal)}'";
            r.QueryParameters.Select = ["id", "displayName"];
            r.QueryParameters.Top = 2;
        }, cancellationToken).ConfigureAwait(false);
        List<Group> matches = groups?.Value ?? [];

        // Two groups with one name would make "group:<name>" ambiguous: resolve to nobody rather than guess.
        return matches.Count == 1 ? matches[0].Id : null;
    }

    private async Task<IReadOnlyList<Person>> TransitiveUsersAsync(string groupId, CancellationToken cancellationToken)
    {
        var people = new List<Person>();
        UserCollectionResponse? page = await NotFoundAsNullAsync(() => _graph.Groups[groupId].TransitiveMembers.GraphUser.GetAsync(r =>
        {
            r.QueryParameters.Select = UserFields;
            r.QueryParameters.Top = 999;
        }, cancellationToken)).ConfigureAwait(false);
        while (page is not null)
        {
            people.AddRange((page.Value ?? []).Select(ToPerson));
            if (string.IsNullOrEmpty(page.OdataNextLink))
            {
                break;
            }

            page = await _graph.Groups[groupId].TransitiveMembers.GraphUser.WithUrl(page.OdataNextLink).GetAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return people.DistinctBy(p => p.Id, StringComparer.OrdinalIgnoreCase).ToArray();
    }

    private static Person ToPerson(User user) =>
        new(user.Id ?? string.Empty, user.DisplayName, (user.Mail ?? user.UserPrincipalName)?.ToLowerInvariant());

    private async Task<T?> CachedAsync<T>(string key, Func<Task<T?>> load)
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (_cache.TryGetValue(key, out var entry) && entry.Expires > now)
        {
            return (T?)entry.Value;
        }

        T? value = await load().ConfigureAwait(false);
        _cache[key] = (now + CacheTtl, value);
        return value;
    }

    private static async Task<T?> NotFoundAsNullAsync<T>(Func<Task<T?>> call)
        where T : class
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (ODataError error) when (error.ResponseStatusCode == 404)
        {
            return null;
        }
    }
}
