using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Api;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.Microsoft365.Identity;

namespace ApprovalFunctions.FunctionApp.Http;

/// <summary>
/// An action as the HTTP functions see it: the orchestration's input (the action as submitted) and the process state
/// from its custom status (before the first checkpoint, the state the process starts in).
/// </summary>
internal sealed record ProcessView(ApprovalInput Input, ProcessState State, ReceiptReference? Receipt, bool Running, bool Finished, OutageStatus? Outage = null)
{
    /// <summary>Builds the view from the orchestration's input and custom status (its state read from the store when it was kept there).</summary>
    public static ProcessView From(ApprovalInput input, StatusSnapshot? snapshot, bool running, bool finished)
    {
        ProcessState state = snapshot?.State is string json
            ? CoreJson.DeserializeState(json)
            : ApprovalProcess.Start(input.Action(), new ProcessStart(input.ActionId, new AgentIdentity(input.AgentId, input.AgentOwner), input.Region, input.AuthStrength, input.ReceivedAt)).State;
        return new ProcessView(input, state, snapshot?.Receipt, running, finished, snapshot?.Outage);
    }

    /// <summary>The action as submitted.</summary>
    public ActionRequest Action() => Input.Action();

    /// <summary>Its agent, its eligible approvers and auditors may see an action; nobody else learns it exists.</summary>
    public bool VisibleTo(TokenCaller caller) =>
        caller.Roles.Contains(TokenCallers.Auditor)
        || (caller.Roles.Contains(TokenCallers.Agent) && caller.Id == State.Agent.Id)
        || (caller.Roles.Contains(TokenCallers.Approver) && ApprovalProcess.FromState(State).EligibleApprovers().Any(p => Is(p, caller)));

    /// <summary>True when <paramref name="person"/> is <paramref name="caller"/> (by id or e-mail address).</summary>
    public static bool Is(Person person, TokenCaller caller) =>
        string.Equals(person.Id, caller.Id, StringComparison.OrdinalIgnoreCase)
        || (caller.Email is not null && string.Equals(person.Email, caller.Email, StringComparison.OrdinalIgnoreCase));
}
