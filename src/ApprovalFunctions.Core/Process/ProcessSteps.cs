using System.Text.Json.Serialization;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Policy;

namespace ApprovalFunctions.Core.Process;

/// <summary>What the host must do next (from <see cref="ApprovalProcess.Next"/>).</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "step")]
[JsonDerivedType(typeof(WriteAuditStep), "writeAudit")]
[JsonDerivedType(typeof(EvaluatePolicyStep), "evaluatePolicy")]
[JsonDerivedType(typeof(ResolveApproversStep), "resolveApprovers")]
[JsonDerivedType(typeof(NotifyApproversStep), "notifyApprovers")]
[JsonDerivedType(typeof(AwaitDecisionStep), "awaitDecision")]
[JsonDerivedType(typeof(ReleaseStep), "release")]
[JsonDerivedType(typeof(FinishStep), "finish")]
public abstract record ProcessStep;

/// <summary>Create the record in the region's store if absent (a retry never overwrites), then apply <see cref="AuditWritten"/>.</summary>
/// <param name="Record">The record, hash already chained.</param>
/// <param name="ActionReceivedAt">When the action was received, for the store key.</param>
public sealed record WriteAuditStep(AuditRecord Record, DateTimeOffset ActionReceivedAt) : ProcessStep
{
    /// <summary>The record's store key.</summary>
    public string Key => AuditKeys.For(ActionReceivedAt, Record.ActionId, Record.Sequence, Record.Type);
}

/// <summary>Evaluate the policy on the action, then apply <see cref="PolicyEvaluated"/>.</summary>
/// <param name="Agent">The calling agent.</param>
/// <param name="AuthStrength">The caller's sign-in strength.</param>
public sealed record EvaluatePolicyStep(AgentIdentity Agent, string? AuthStrength) : ProcessStep;

/// <summary>Expand the plan's approver references to people (a snapshot), then apply <see cref="ApproversResolved"/>.</summary>
/// <param name="Plan">The approval plan.</param>
/// <param name="RequesterId">The requester, for <c>manager</c> references and the manager chain.</param>
public sealed record ResolveApproversStep(ApprovalPlan Plan, string? RequesterId) : ProcessStep;

/// <summary>
/// Send this round's notifications (idempotent per action, round and recipient), then apply <see cref="ApproversNotified"/>.
/// Cards are built from the reviewer view only.
/// </summary>
/// <param name="Notification">The round.</param>
/// <param name="Deadline">The current deadline, to show.</param>
public sealed record NotifyApproversStep(NotificationRound Notification, DateTimeOffset Deadline) : ProcessStep;

/// <summary>Wait for a decision (apply <see cref="DecisionReceived"/>) or for <see cref="Until"/> (apply <see cref="TimerFired"/>).</summary>
/// <param name="Until">When the next timer is due: a reminder, an escalation or the deadline.</param>
/// <param name="Deadline">The deadline.</param>
public sealed record AwaitDecisionStep(DateTimeOffset Until, DateTimeOffset Deadline) : ProcessStep;

/// <summary>
/// Sign the receipt for these facts and dispatch the action with it (idempotently: message id = action id), then apply
/// <see cref="Released"/>, or <see cref="ReleaseFailed"/> to retry or give up.
/// </summary>
/// <param name="Facts">What the receipt attests.</param>
/// <param name="Attempt">1 for the first attempt.</param>
public sealed record ReleaseStep(ReleaseFacts Facts, int Attempt) : ProcessStep;

/// <summary>Stop: the process has ended and its audit trail is complete.</summary>
/// <param name="Outcome">How it ended.</param>
public sealed record FinishStep(ProcessOutcome Outcome) : ProcessStep;
