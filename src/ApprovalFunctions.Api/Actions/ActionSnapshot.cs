using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Api;
using ApprovalFunctions.Core.Process;

namespace ApprovalFunctions.Api.Actions;

/// <summary>
/// An action as the API sees it, whichever host keeps it: the process state, the action as submitted, and what the
/// host knows beside the state (finished, the receipt, an outage it is waiting out).
/// </summary>
/// <param name="Id">The action id.</param>
/// <param name="State">The process state.</param>
/// <param name="Body">The action as the agent submitted it (JSON).</param>
/// <param name="Finished">True once the process completed.</param>
/// <param name="Receipt">The receipt, once released.</param>
/// <param name="Review">The masked reviewer view as JSON, when the host stored it; otherwise the API masks the action.</param>
/// <param name="WaitingFor">A dependency outage the process is waiting out, if any.</param>
public sealed record ActionSnapshot(
    string Id,
    ProcessState State,
    ReadOnlyMemory<byte> Body,
    bool Finished,
    ReceiptReference? Receipt = null,
    string? Review = null,
    DependencyWait? WaitingFor = null)
{
    /// <summary>The action as submitted.</summary>
    public ActionRequest Action() => ActionParser.Parse(Body, ActionLimits.Stored).Action
        ?? throw new InvalidOperationException($"The stored action {Id} no longer parses.");
}

/// <summary>What a process waits for while a dependency is out: the step, since when, the next try, rounds so far.</summary>
/// <param name="Step">The step that cannot run (an activity name).</param>
/// <param name="Since">When the outage began.</param>
/// <param name="RetryAt">When the next round starts.</param>
/// <param name="Rounds">Rounds of retries so far.</param>
public sealed record DependencyWait(string Step, DateTimeOffset Since, DateTimeOffset RetryAt, int Rounds);
