using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Microsoft365.Directory;

namespace ApprovalFunctions.Gateway.Approvers;

/// <summary>The directory from the identities file: groups, users and managers.</summary>
internal sealed class IdentitiesDirectory(IdentitiesFile identities) : IDirectoryLookup
{
    public Task<IReadOnlyList<Person>> GroupMembersAsync(string group, CancellationToken cancellationToken) =>
        Task.FromResult(identities.GroupMembers(group));

    public Task<Person?> UserAsync(string user, CancellationToken cancellationToken) => Task.FromResult(identities.FindPerson(user));

    public Task<Person?> ManagerAsync(string userId, CancellationToken cancellationToken) => Task.FromResult(identities.ManagerOf(userId));
}
