using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;

namespace ApprovalFunctions.Microsoft365.Directory;

/// <summary>
/// Expands an approval plan's references (<c>group:…</c>, <c>user:…</c>, <c>manager</c>) to people, and finds the
/// requester's manager chain. The result is a snapshot: later directory changes do not change who may decide.
/// </summary>
public interface IApproverDirectory
{
    /// <summary>Resolves <paramref name="plan"/> for the action requested by <paramref name="requesterId"/>.</summary>
    Task<ResolvedApprovers> ResolveAsync(ApprovalPlan plan, string? requesterId, CancellationToken cancellationToken);
}

/// <summary>The lookups a directory needs; <see cref="ApproverResolution"/> turns them into a snapshot.</summary>
public interface IDirectoryLookup
{
    /// <summary>The members of a group (by id or name), transitively; empty when unknown.</summary>
    Task<IReadOnlyList<Person>> GroupMembersAsync(string group, CancellationToken cancellationToken);

    /// <summary>A user by id or UPN; null when unknown.</summary>
    Task<Person?> UserAsync(string user, CancellationToken cancellationToken);

    /// <summary>A user's manager; null when none.</summary>
    Task<Person?> ManagerAsync(string userId, CancellationToken cancellationToken);
}

/// <summary>Builds <see cref="ResolvedApprovers"/> from any <see cref="IDirectoryLookup"/>.</summary>
public sealed class ApproverResolution(IDirectoryLookup lookup) : IApproverDirectory
{
    /// <summary>How far up the manager chain to look.</summary>
    public const int MaxManagerDepth = 10;

    /// <inheritdoc />
    public async Task<ResolvedApprovers> ResolveAsync(ApprovalPlan plan, string? requesterId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var requirements = new List<ResolvedRequirement>();
        foreach (ApprovalRequirement requirement in plan.Requirements)
        {
            requirements.Add(new ResolvedRequirement(requirement.Approvers, requirement.MinApprovals,
                await PeopleAsync(requirement.Approvers, requesterId, cancellationToken).ConfigureAwait(false)));
        }

        IReadOnlyList<Person> escalation = await PeopleAsync(plan.EscalateTo, requesterId, cancellationToken).ConfigureAwait(false);
        var managers = new List<string>();
        string? current = requesterId;
        for (int depth = 0; current is not null && depth < MaxManagerDepth; depth++)
        {
            Person? manager = await lookup.ManagerAsync(current, cancellationToken).ConfigureAwait(false);
            if (manager is null || managers.Contains(manager.Id, StringComparer.OrdinalIgnoreCase))
            {
                break;
            }

            managers.Add(manager.Id);
            current = manager.Id;
        }

        return new ResolvedApprovers(requirements, escalation, managers);
    }

    private async Task<IReadOnlyList<Person>> PeopleAsync(IEnumerable<string> references, string? requesterId, CancellationToken cancellationToken)
    {
        var people = new List<Person>();
        foreach (string reference in references)
        {
            if (reference.StartsWith(ApproverReference.GroupPrefix, StringComparison.Ordinal))
            {
                people.AddRange(await lookup.GroupMembersAsync(reference[ApproverReference.GroupPrefix.Length..], cancellationToken).ConfigureAwait(false));
            }
            else if (reference.StartsWith(ApproverReference.UserPrefix, StringComparison.Ordinal))
            {
                if (await lookup.UserAsync(reference[ApproverReference.UserPrefix.Length..], cancellationToken).ConfigureAwait(false) is Person user)
                {
                    people.Add(user);
                }
            }
            else if (reference == ApproverReference.Manager && requesterId is not null
                && await lookup.ManagerAsync(requesterId, cancellationToken).ConfigureAwait(false) is Person manager)
            {
                people.Add(manager);
            }
        }

        return people.DistinctBy(p => p.Id, StringComparer.OrdinalIgnoreCase).ToArray();
    }
}
