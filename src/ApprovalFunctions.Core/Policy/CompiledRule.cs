using ApprovalFunctions.Core.Policy.Conditions;
using ApprovalFunctions.Core.Policy.Source;

namespace ApprovalFunctions.Core.Policy;

/// <summary>A rule ready to evaluate.</summary>
internal sealed record CompiledRule(
    string Id,
    PolicyEffect Effect,
    string? Reason,
    Condition Condition,
    ResolvedApproval? Approval,
    IReadOnlyList<string> Mask,
    SourcePosition At);

/// <summary>A rule's approval block after defaults are filled in.</summary>
internal sealed record ResolvedApproval(
    IReadOnlyList<string> Approvers,
    int MinApprovals,
    TimeSpan Timeout,
    TimeSpan? RemindAfter,
    TimeSpan? EscalateAfter,
    IReadOnlyList<string> EscalateTo,
    TimeSpan ExtendBy,
    TimeoutOutcome OnTimeout,
    bool ExcludeManagerChain);

/// <summary>An approval block as written, every part optional until merged with the defaults.</summary>
internal sealed record ApprovalSpec(
    IReadOnlyList<string>? Approvers,
    int? MinApprovals,
    TimeSpan? Timeout,
    TimeSpan? RemindAfter,
    TimeSpan? EscalateAfter,
    IReadOnlyList<string>? EscalateTo,
    TimeSpan? ExtendBy,
    TimeoutOutcome? OnTimeout,
    bool? ExcludeManagerChain,
    SourcePosition At);
