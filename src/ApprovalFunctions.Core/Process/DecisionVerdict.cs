using System.Text.Json.Serialization;

namespace ApprovalFunctions.Core.Process;

/// <summary>What happens to a decision.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VerdictKind>))]
public enum VerdictKind
{
    /// <summary>Counted.</summary>
    [JsonStringEnumMemberName("accepted")] Accepted,
    /// <summary>Already counted (same decision id, or the same approver deciding the same again): nothing changes.</summary>
    [JsonStringEnumMemberName("duplicate")] Duplicate,
    /// <summary>Refused and audited as an attempt.</summary>
    [JsonStringEnumMemberName("refused")] Refused,
}

/// <summary>Why a decision was refused.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RefusalReason>))]
public enum RefusalReason
{
    /// <summary>The process is not waiting for approvers.</summary>
    [JsonStringEnumMemberName("notPending")] NotPending,
    /// <summary>The approver is the requester.</summary>
    [JsonStringEnumMemberName("selfApproval")] SelfApproval,
    /// <summary>The approver is the requesting agent.</summary>
    [JsonStringEnumMemberName("agentApproval")] AgentApproval,
    /// <summary>The approver owns the requesting agent.</summary>
    [JsonStringEnumMemberName("ownerApproval")] OwnerApproval,
    /// <summary>The approver is in the requester's manager chain and the plan excludes it.</summary>
    [JsonStringEnumMemberName("managerChain")] ManagerChain,
    /// <summary>The approver is not among the eligible approvers.</summary>
    [JsonStringEnumMemberName("notEligible")] NotEligible,
    /// <summary>The approver saw a different action (digest mismatch).</summary>
    [JsonStringEnumMemberName("digestMismatch")] DigestMismatch,
    /// <summary>The deadline has passed.</summary>
    [JsonStringEnumMemberName("pastDeadline")] PastDeadline,
    /// <summary>The approver already decided the other way.</summary>
    [JsonStringEnumMemberName("alreadyDecided")] AlreadyDecided,
}

/// <summary>The verdict on a decision, computed without changing anything.</summary>
/// <param name="Kind">Accepted, duplicate or refused.</param>
/// <param name="Reason">Why it was refused.</param>
/// <param name="Message">A sentence for the approver (never names other people).</param>
public sealed record DecisionVerdict(VerdictKind Kind, RefusalReason? Reason, string Message)
{
    internal static DecisionVerdict Accept() => new(VerdictKind.Accepted, null, "The decision was recorded.");

    internal static DecisionVerdict Duplicate() => new(VerdictKind.Duplicate, null, "The decision was already recorded.");

    internal static DecisionVerdict Refuse(RefusalReason reason, string message) => new(VerdictKind.Refused, reason, message);
}

/// <summary>How far each requirement is: who approved and how many are still needed.</summary>
/// <param name="Requirements">One per plan requirement.</param>
/// <param name="Complete">True when every requirement is met.</param>
public sealed record ApprovalTally(IReadOnlyList<RequirementTally> Requirements, bool Complete);

/// <summary>One requirement's progress.</summary>
/// <param name="Approvers">The references from the plan.</param>
/// <param name="MinApprovals">How many are needed.</param>
/// <param name="ApprovedBy">Who has approved towards it.</param>
/// <param name="StillNeeded">How many more.</param>
public sealed record RequirementTally(IReadOnlyList<string> Approvers, int MinApprovals, IReadOnlyList<string> ApprovedBy, int StillNeeded);
