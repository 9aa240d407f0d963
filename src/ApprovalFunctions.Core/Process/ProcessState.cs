using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Policy;

namespace ApprovalFunctions.Core.Process;

/// <summary>
/// Everything about one action's process, as hosts persist it (JSON, without loss). Only <see cref="ApprovalProcess"/>
/// changes it; hosts treat it as opaque apart from reading it for status pages.
/// </summary>
public sealed record ProcessState
{
    /// <summary>The state schema version this code writes.</summary>
    public const int CurrentSchema = 1;

    /// <summary>Schema version.</summary>
    public int Schema { get; init; } = CurrentSchema;

    /// <summary>The action id.</summary>
    public required string ActionId { get; init; }

    /// <summary>The action's digest.</summary>
    public required string ActionDigest { get; init; }

    /// <summary>The region of the audit store.</summary>
    public required string Region { get; init; }

    /// <summary>The calling agent.</summary>
    public required AgentIdentity Agent { get; init; }

    /// <summary>The agent caller's sign-in strength.</summary>
    public string? AgentAuthStrength { get; init; }

    /// <summary>The requester, if the action named one.</summary>
    public string? RequesterId { get; init; }

    /// <summary>When the action was received.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Where the process is.</summary>
    public ProcessStatus Status { get; init; }

    /// <summary>How it ended, once it has.</summary>
    public ProcessOutcome? Outcome { get; init; }

    /// <summary>Why it ended that way.</summary>
    public string? OutcomeReason { get; init; }

    /// <summary>The policy decision.</summary>
    public PolicyDecision? Decision { get; init; }

    /// <summary>The deadline (extended by escalation).</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>When to remind approvers who have not answered.</summary>
    public DateTimeOffset? RemindAt { get; init; }

    /// <summary>When to escalate.</summary>
    public DateTimeOffset? EscalateAt { get; init; }

    /// <summary>Whether the reminder was sent.</summary>
    public bool Reminded { get; init; }

    /// <summary>Whether the request was escalated.</summary>
    public bool Escalated { get; init; }

    /// <summary>The approver snapshot.</summary>
    public ResolvedApprovers? Approvers { get; init; }

    /// <summary>Accepted approvals.</summary>
    public IReadOnlyList<Vote> Votes { get; init; } = [];

    /// <summary>The accepted rejection that ended the process, if one did.</summary>
    public Vote? Rejection { get; init; }

    /// <summary>
    /// The decision ids applied — every accepted one, and the refused ones that were audited — so redeliveries change
    /// nothing. Refusals past the audit limit are only counted, so a flood cannot grow this list.
    /// </summary>
    public IReadOnlyList<string> DecisionIds { get; init; } = [];

    /// <summary>Every refused decision attempt, audited or not.</summary>
    public int RefusedAttempts { get; init; }

    /// <summary>Refused attempts per caller, for the first <see cref="ApprovalProcess.MaxTrackedCallers"/> callers (the audit limit).</summary>
    public IReadOnlyList<CallerRefusals> RefusalsByCaller { get; init; } = [];

    /// <summary>Notification rounds still to send.</summary>
    public IReadOnlyList<NotificationRound> PendingNotifications { get; init; } = [];

    /// <summary>Rounds created so far.</summary>
    public int Rounds { get; init; }

    /// <summary>Why the action is (to be) released.</summary>
    public ReleaseBasis? Basis { get; init; }

    /// <summary>Failed release attempts so far.</summary>
    public int ReleaseAttempts { get; init; }

    /// <summary>The receipt's id once released.</summary>
    public string? ReceiptId { get; init; }

    /// <summary>The receipt's expiry once released.</summary>
    public DateTimeOffset? ReceiptExpiresAt { get; init; }

    /// <summary>The sequence number of the next audit record.</summary>
    public long NextSequence { get; init; } = 1;

    /// <summary>The hash of the last audit record created (the chain's head).</summary>
    public string? LastHash { get; init; }

    /// <summary>The time of the last audit record created; later records never go back in time.</summary>
    public DateTimeOffset? LastRecordAt { get; init; }

    /// <summary>Records created by transitions and not yet confirmed written (write-ahead).</summary>
    public IReadOnlyList<AuditRecord> PendingAudit { get; init; } = [];
}

