using System.Text.Json.Serialization;
using ApprovalFunctions.Core.Policy;

namespace ApprovalFunctions.Core.Process;

/// <summary>Where a process is. See <see cref="ApprovalProcess"/> for the transition table.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProcessStatus>))]
public enum ProcessStatus
{
    /// <summary>Received; the policy has not decided yet.</summary>
    [JsonStringEnumMemberName("received")] Received,
    /// <summary>Waiting for approvers.</summary>
    [JsonStringEnumMemberName("pendingApproval")] PendingApproval,
    /// <summary>Policy allowed it; to be released.</summary>
    [JsonStringEnumMemberName("allowed")] Allowed,
    /// <summary>Every requirement is met (or the timeout approved); to be released.</summary>
    [JsonStringEnumMemberName("approved")] Approved,
    /// <summary>Policy denied it. Ends once the trail is completed.</summary>
    [JsonStringEnumMemberName("denied")] Denied,
    /// <summary>An approver rejected it. Ends once the trail is completed.</summary>
    [JsonStringEnumMemberName("rejected")] Rejected,
    /// <summary>Nobody decided in time and the plan rejects on timeout. Ends once the trail is completed.</summary>
    [JsonStringEnumMemberName("expired")] Expired,
    /// <summary>The requesting agent cancelled it. Ends once the trail is completed.</summary>
    [JsonStringEnumMemberName("cancelled")] Cancelled,
    /// <summary>Released to the executor with a receipt. Ends once the trail is completed.</summary>
    [JsonStringEnumMemberName("released")] Released,
    /// <summary>Releasing failed for good. Terminal.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
    /// <summary>Finished and the audit trail is complete. Terminal.</summary>
    [JsonStringEnumMemberName("completed")] Completed,
}

/// <summary>How a process ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProcessOutcome>))]
public enum ProcessOutcome
{
    /// <summary>Denied by policy.</summary>
    [JsonStringEnumMemberName("denied")] Denied,
    /// <summary>Rejected by an approver.</summary>
    [JsonStringEnumMemberName("rejected")] Rejected,
    /// <summary>Rejected by the timeout.</summary>
    [JsonStringEnumMemberName("expired")] Expired,
    /// <summary>Cancelled by the requesting agent.</summary>
    [JsonStringEnumMemberName("cancelled")] Cancelled,
    /// <summary>Released to the executor.</summary>
    [JsonStringEnumMemberName("released")] Released,
    /// <summary>Releasing failed for good; nothing was executed.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>An approver's answer.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ApprovalChoice>))]
public enum ApprovalChoice
{
    /// <summary>Approve.</summary>
    [JsonStringEnumMemberName("approve")] Approve,
    /// <summary>Reject.</summary>
    [JsonStringEnumMemberName("reject")] Reject,
}

/// <summary>Why approvers are being notified.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NotificationKind>))]
public enum NotificationKind
{
    /// <summary>The first request.</summary>
    [JsonStringEnumMemberName("initial")] Initial,
    /// <summary>A reminder to those who have not answered.</summary>
    [JsonStringEnumMemberName("reminder")] Reminder,
    /// <summary>An escalation to further approvers.</summary>
    [JsonStringEnumMemberName("escalation")] Escalation,
}

/// <summary>On what grounds an action is released.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReleaseBasis>))]
public enum ReleaseBasis
{
    /// <summary>Policy allowed it outright.</summary>
    [JsonStringEnumMemberName("allowed")] Allowed,
    /// <summary>Every approval requirement was met.</summary>
    [JsonStringEnumMemberName("approved")] Approved,
    /// <summary>Nobody decided and the plan approves on timeout.</summary>
    [JsonStringEnumMemberName("approvedOnTimeout")] ApprovedOnTimeout,
}

/// <summary>A person from the directory snapshot.</summary>
/// <param name="Id">Directory object id (or other stable id).</param>
/// <param name="DisplayName">Display name.</param>
/// <param name="Email">E-mail address or UPN: to reach the person; never their identity (<paramref name="Id"/> is).</param>
public sealed record Person(string Id, string? DisplayName = null, string? Email = null);

/// <summary>An authenticated approver: who the caller's credentials say they are (never the request body).</summary>
/// <param name="Id">Directory object id.</param>
/// <param name="DisplayName">Display name.</param>
/// <param name="Email">E-mail address or UPN.</param>
/// <param name="AuthStrength">How strongly they signed in (for example <c>mfa</c>).</param>
public sealed record ApproverIdentity(string Id, string? DisplayName = null, string? Email = null, string? AuthStrength = null);

/// <summary>One approval requirement resolved to people.</summary>
/// <param name="Approvers">The references from the plan.</param>
/// <param name="MinApprovals">How many distinct people must approve.</param>
/// <param name="People">The people those references resolved to.</param>
public sealed record ResolvedRequirement(IReadOnlyList<string> Approvers, int MinApprovals, IReadOnlyList<Person> People);

/// <summary>The approver snapshot taken when the process starts waiting.</summary>
/// <param name="Requirements">One per plan requirement, in plan order.</param>
/// <param name="Escalation">The people escalation adds.</param>
/// <param name="RequesterManagers">The requester's manager chain (ids), refused when the plan excludes it.</param>
public sealed record ResolvedApprovers(IReadOnlyList<ResolvedRequirement> Requirements, IReadOnlyList<Person> Escalation, IReadOnlyList<string> RequesterManagers);

/// <summary>An accepted approval.</summary>
/// <param name="DecisionId">The decision's id (idempotency).</param>
/// <param name="Approver">Who.</param>
/// <param name="Comment">Their comment, with detected personal data and secrets masked.</param>
/// <param name="Channel">Where they decided (portal, outlook, api…).</param>
/// <param name="At">When.</param>
public sealed record Vote(string DecisionId, ApproverIdentity Approver, string? Comment, string Channel, DateTimeOffset At);

/// <summary>How many decisions of one caller were refused.</summary>
/// <param name="CallerId">The caller (the authenticated approver's id).</param>
/// <param name="Count">Their refused attempts.</param>
public sealed record CallerRefusals(string CallerId, int Count);

/// <summary>A round of notifications the host must send.</summary>
/// <param name="Round">1-based round number (idempotency: action + round + recipient).</param>
/// <param name="Kind">Why.</param>
/// <param name="Recipients">Who.</param>
public sealed record NotificationRound(int Round, NotificationKind Kind, IReadOnlyList<Person> Recipients);

/// <summary>What happened to one notification.</summary>
/// <param name="RecipientId">The person.</param>
/// <param name="Channel">outlook, teams, portal, webhook…</param>
/// <param name="Delivered">Whether it was accepted by the channel.</param>
/// <param name="Detail">Why not, or a delivery id.</param>
public sealed record Delivery(string RecipientId, string Channel, bool Delivered, string? Detail = null);

/// <summary>What an approval receipt attests: the exact action, the policy, the basis and the approvers.</summary>
/// <param name="ActionId">The action.</param>
/// <param name="ActionDigest">Its digest: the receipt is bound to exactly this action.</param>
/// <param name="PolicyHash">The policy set that decided.</param>
/// <param name="Basis">Allowed, approved, or approved on timeout.</param>
/// <param name="Approvers">Who approved, how strongly they signed in, and when.</param>
/// <param name="Region">The action's region.</param>
public sealed record ReleaseFacts(string ActionId, string ActionDigest, string PolicyHash, ReleaseBasis Basis, IReadOnlyList<ReceiptApprover> Approvers, string Region);

/// <summary>An approver as a receipt names them.</summary>
/// <param name="Id">Directory id.</param>
/// <param name="DisplayName">Display name.</param>
/// <param name="AuthStrength">Sign-in strength.</param>
/// <param name="At">When they approved.</param>
public sealed record ReceiptApprover(string Id, string? DisplayName, string? AuthStrength, DateTimeOffset At);

/// <summary>The caller and moment that started a process.</summary>
/// <param name="ActionId">The action id (see <c>ActionIds</c>).</param>
/// <param name="Agent">The calling agent, from its credentials.</param>
/// <param name="Region">The region whose audit store keeps the trail.</param>
/// <param name="AuthStrength">The agent caller's sign-in strength, for policy.</param>
/// <param name="At">When the action was received.</param>
public sealed record ProcessStart(string ActionId, AgentIdentity Agent, string Region, string? AuthStrength, DateTimeOffset At);
