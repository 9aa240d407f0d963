using System.Text.Json.Serialization;
using ApprovalFunctions.Core.Policy;

namespace ApprovalFunctions.Core.Process;

/// <summary>A result the host applies with <see cref="ApprovalProcess.Apply"/>. <see cref="At"/> is the event's UTC time.</summary>
/// <param name="At">When it happened, from the host (Core reads no clock).</param>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "event")]
[JsonDerivedType(typeof(AuditWritten), "auditWritten")]
[JsonDerivedType(typeof(PolicyEvaluated), "policyEvaluated")]
[JsonDerivedType(typeof(ApproversResolved), "approversResolved")]
[JsonDerivedType(typeof(ApproversNotified), "approversNotified")]
[JsonDerivedType(typeof(DecisionReceived), "decisionReceived")]
[JsonDerivedType(typeof(TimerFired), "timerFired")]
[JsonDerivedType(typeof(CancelRequested), "cancelRequested")]
[JsonDerivedType(typeof(Released), "released")]
[JsonDerivedType(typeof(ReleaseFailed), "releaseFailed")]
public abstract record ProcessEvent(DateTimeOffset At)
{
    /// <summary>The event's name, as the transition table and exceptions use it.</summary>
    [JsonIgnore]
    public string Name => GetType().Name;
}

/// <summary>The audit record with this sequence number exists in the store.</summary>
/// <param name="Sequence">The record written.</param>
/// <param name="At">When.</param>
public sealed record AuditWritten(long Sequence, DateTimeOffset At) : ProcessEvent(At);

/// <summary>The policy decided.</summary>
/// <param name="Decision">The decision.</param>
/// <param name="At">The evaluation time (the approval window starts here).</param>
public sealed record PolicyEvaluated(PolicyDecision Decision, DateTimeOffset At) : ProcessEvent(At);

/// <summary>Approvers were resolved.</summary>
/// <param name="Approvers">The snapshot.</param>
/// <param name="At">When.</param>
public sealed record ApproversResolved(ResolvedApprovers Approvers, DateTimeOffset At) : ProcessEvent(At);

/// <summary>A notification round was sent.</summary>
/// <param name="Round">The round.</param>
/// <param name="Deliveries">What happened per recipient and channel.</param>
/// <param name="At">When.</param>
public sealed record ApproversNotified(int Round, IReadOnlyList<Delivery> Deliveries, DateTimeOffset At) : ProcessEvent(At);

/// <summary>An approver decided. The identity comes from their authenticated credentials, never the payload.</summary>
/// <param name="DecisionId">Unique per submission; a redelivered event with the same id changes nothing.</param>
/// <param name="Approver">The authenticated approver.</param>
/// <param name="Choice">Approve or reject.</param>
/// <param name="Comment">Their comment.</param>
/// <param name="ActionDigest">The digest the approver saw; it must match.</param>
/// <param name="Channel">Where they decided.</param>
/// <param name="At">When.</param>
public sealed record DecisionReceived(
    string DecisionId, ApproverIdentity Approver, ApprovalChoice Choice, string? Comment, string ActionDigest, string Channel, DateTimeOffset At)
    : ProcessEvent(At);

/// <summary>The awaited timer (<see cref="AwaitDecisionStep.Until"/>) fired.</summary>
/// <param name="At">The time; at or after the timer's due time.</param>
public sealed record TimerFired(DateTimeOffset At) : ProcessEvent(At);

/// <summary>An agent asked to cancel; only the requesting agent may, and only while pending.</summary>
/// <param name="AgentId">The authenticated calling agent.</param>
/// <param name="Reason">Why.</param>
/// <param name="At">When.</param>
public sealed record CancelRequested(string AgentId, string? Reason, DateTimeOffset At) : ProcessEvent(At);

/// <summary>The action was dispatched to the executor with its receipt.</summary>
/// <param name="ReceiptId">The receipt's single-use id.</param>
/// <param name="ExpiresAt">When the receipt expires.</param>
/// <param name="ReceiptHash"><c>sha256:</c> of the receipt JWS (the receipt itself is not kept in the audit trail).</param>
/// <param name="At">When.</param>
public sealed record Released(string ReceiptId, DateTimeOffset ExpiresAt, string ReceiptHash, DateTimeOffset At) : ProcessEvent(At);

/// <summary>Releasing failed; the host retries unless <see cref="Permanent"/>.</summary>
/// <param name="Error">What went wrong (sanitized before it is recorded).</param>
/// <param name="Permanent">True when the host gives up: the process ends Failed.</param>
/// <param name="At">When.</param>
public sealed record ReleaseFailed(string Error, bool Permanent, DateTimeOffset At) : ProcessEvent(At);
