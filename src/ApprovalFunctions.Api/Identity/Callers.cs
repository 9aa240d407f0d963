using ApprovalFunctions.Api.Actions;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Identity;

namespace ApprovalFunctions.Api.Identity;

/// <summary>What an authenticated caller is and may see, the same on both hosts.</summary>
public static class Callers
{
    /// <summary>True when the caller has <paramref name="role"/> (one of the <see cref="TokenCallers"/> roles).</summary>
    public static bool Is(this TokenCaller caller, string role) => caller.Roles.Contains(role);

    /// <summary>The caller as the agent of an action.</summary>
    public static AgentIdentity AsAgent(this TokenCaller caller) => new(caller.Id, caller.Owner);

    /// <summary>The caller as an approver deciding.</summary>
    public static ApproverIdentity AsApprover(this TokenCaller caller) => new(caller.Id, caller.DisplayName, caller.Email, caller.AuthStrength);

    /// <summary>The key an eligibility index knows this person by: the lower-cased immutable id.</summary>
    public static IReadOnlyCollection<string> PersonKeys(this TokenCaller caller) => [caller.Id.ToLowerInvariant()];

    /// <summary>True when <paramref name="person"/> is the caller: by the immutable id (Entra's <c>oid</c>), never by e-mail.</summary>
    public static bool IsPerson(this TokenCaller caller, Person person) => string.Equals(person.Id, caller.Id, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="approver"/> (who decided) is the caller, by the immutable id.</summary>
    public static bool IsPerson(this TokenCaller caller, ApproverIdentity approver) => string.Equals(approver.Id, caller.Id, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the caller is the agent that submitted the action.</summary>
    public static bool IsAgentOf(this TokenCaller caller, ActionSnapshot action) => caller.Is(TokenCallers.Agent) && caller.Id == action.State.Agent.Id;

    /// <summary>Its agent, its eligible approvers and auditors may see an action; nobody else learns it exists.</summary>
    public static bool MaySee(this TokenCaller caller, ActionSnapshot action) =>
        caller.Is(TokenCallers.Auditor)
        || caller.IsAgentOf(action)
        || (caller.Is(TokenCallers.Approver) && ApprovalProcess.FromState(action.State).EligibleApprovers().Any(caller.IsPerson));

    /// <summary>True when the action waits for the caller's decision now (their inbox).</summary>
    public static bool IsAwaitedBy(this ActionSnapshot action, TokenCaller caller) =>
        action.State.Status == ProcessStatus.PendingApproval && ApprovalProcess.FromState(action.State).AwaitingDecisionFrom().Any(caller.IsPerson);

    /// <summary>The caller's decision on the action (their vote, or their rejection) and its choice; null when they made none.</summary>
    public static (Vote Vote, string Choice)? DecisionOf(this TokenCaller caller, ProcessState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Votes.FirstOrDefault(v => caller.IsPerson(v.Approver)) is Vote vote ? (vote, "approve")
            : state.Rejection is Vote rejection && caller.IsPerson(rejection.Approver) ? (rejection, "reject")
            : null;
    }

    /// <summary>The receipt goes to the action's agent, executors and auditors.</summary>
    public static bool MaySeeReceipt(this TokenCaller caller, ActionSnapshot action) =>
        caller.IsAgentOf(action) || caller.Is(TokenCallers.Executor) || caller.Is(TokenCallers.Auditor);
}
