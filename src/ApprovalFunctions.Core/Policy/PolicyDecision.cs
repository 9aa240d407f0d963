using System.Text.Json.Serialization;

namespace ApprovalFunctions.Core.Policy;

/// <summary>What policy says about an action.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PolicyEffect>))]
public enum PolicyEffect
{
    /// <summary>Go ahead without asking anyone.</summary>
    [JsonStringEnumMemberName("allow")] Allow,

    /// <summary>Never.</summary>
    [JsonStringEnumMemberName("deny")] Deny,

    /// <summary>Ask the approvers in the approval plan.</summary>
    [JsonStringEnumMemberName("requireApproval")] RequireApproval,
}

/// <summary>What happens when nobody decides before the deadline.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TimeoutOutcome>))]
public enum TimeoutOutcome
{
    /// <summary>The action is rejected (the default).</summary>
    [JsonStringEnumMemberName("reject")] Reject,

    /// <summary>The action is approved.</summary>
    [JsonStringEnumMemberName("approve")] Approve,
}

/// <summary>
/// The decision as a value: the effect, why (matched rules and reasons), what could not be evaluated, the approval plan,
/// what to mask for approvers, and which policy set decided.
/// </summary>
/// <param name="Effect">Allow, deny or require approval.</param>
/// <param name="MatchedRules">Every rule that matched (or counted as matched because it could not be evaluated), sorted by id.</param>
/// <param name="Reasons">The reasons of the rules that decided the effect, in rule id order.</param>
/// <param name="Errors">Rules that could not be evaluated, with why.</param>
/// <param name="Approval">The approval plan when <see cref="Effect"/> is <see cref="PolicyEffect.RequireApproval"/>.</param>
/// <param name="Mask">Paths to mask before approvers see the action, sorted.</param>
/// <param name="PolicyHash"><c>sha256:</c> of the policy set's canonical content.</param>
/// <param name="MaskSources">For each path in <paramref name="Mask"/>, the rules (or <c>defaults</c>) that asked for it.</param>
public sealed record PolicyDecision(
    PolicyEffect Effect,
    IReadOnlyList<string> MatchedRules,
    IReadOnlyList<string> Reasons,
    IReadOnlyList<PolicyError> Errors,
    ApprovalPlan? Approval,
    IReadOnlyList<string> Mask,
    string PolicyHash,
    IReadOnlyList<MaskSource> MaskSources)
{
    /// <summary>The rules that asked to mask <paramref name="path"/> (empty when none did).</summary>
    public IReadOnlyList<string> RulesMasking(string path)
    {
        foreach (MaskSource source in MaskSources)
        {
            if (string.Equals(source.Path, path, StringComparison.Ordinal))
            {
                return source.Rules;
            }
        }

        return [];
    }
}

/// <summary>Which rules asked for a mask path; <c>defaults</c> stands for the set's defaults.</summary>
/// <param name="Path">The mask path.</param>
/// <param name="Rules">Rule ids, sorted.</param>
public sealed record MaskSource(string Path, IReadOnlyList<string> Rules);

/// <summary>
/// The decision as the CLI and the HTTP API print it: exactly <c>effect</c>, <c>matchedRules</c>, <c>reasons</c>,
/// <c>errors</c>, <c>approval</c>, <c>mask</c> and <c>policyHash</c>.
/// </summary>
/// <param name="Effect">See <see cref="PolicyDecision.Effect"/>.</param>
/// <param name="MatchedRules">See <see cref="PolicyDecision.MatchedRules"/>.</param>
/// <param name="Reasons">See <see cref="PolicyDecision.Reasons"/>.</param>
/// <param name="Errors">See <see cref="PolicyDecision.Errors"/>.</param>
/// <param name="Approval">See <see cref="PolicyDecision.Approval"/>.</param>
/// <param name="Mask">See <see cref="PolicyDecision.Mask"/>.</param>
/// <param name="PolicyHash">See <see cref="PolicyDecision.PolicyHash"/>.</param>
public sealed record PolicyDecisionSummary(
    PolicyEffect Effect,
    IReadOnlyList<string> MatchedRules,
    IReadOnlyList<string> Reasons,
    IReadOnlyList<PolicyError> Errors,
    ApprovalPlan? Approval,
    IReadOnlyList<string> Mask,
    string PolicyHash)
{
    /// <summary>Projects a decision.</summary>
    public static PolicyDecisionSummary From(PolicyDecision decision)
    {
        Check.NotNull(decision);
        return new(decision.Effect, decision.MatchedRules, decision.Reasons, decision.Errors, decision.Approval, decision.Mask, decision.PolicyHash);
    }
}

/// <summary>A rule that could not be evaluated.</summary>
/// <param name="Rule">The rule id.</param>
/// <param name="Message">Why, naming the field and operator (never the action's values).</param>
public sealed record PolicyError(string Rule, string Message);

/// <summary>
/// Who must approve and how the wait goes. Every requirement must be met; a person counts towards every requirement
/// whose approvers include them.
/// </summary>
/// <param name="Requirements">The requirements, sorted.</param>
/// <param name="Timeout">How long approvers have (the shortest of the matching rules).</param>
/// <param name="RemindAfter">When to remind approvers who have not answered.</param>
/// <param name="EscalateAfter">When to escalate to <paramref name="EscalateTo"/>.</param>
/// <param name="EscalateTo">Approvers added on escalation; they may satisfy any unmet requirement.</param>
/// <param name="ExtendBy">How much escalation extends the deadline.</param>
/// <param name="OnTimeout">The outcome when the deadline passes; <c>reject</c> wins over <c>approve</c>.</param>
/// <param name="ExcludeManagerChain">Whether the requester's managers are refused as approvers.</param>
public sealed record ApprovalPlan(
    IReadOnlyList<ApprovalRequirement> Requirements,
    TimeSpan Timeout,
    TimeSpan? RemindAfter,
    TimeSpan? EscalateAfter,
    IReadOnlyList<string> EscalateTo,
    TimeSpan ExtendBy,
    TimeoutOutcome OnTimeout,
    bool ExcludeManagerChain);

/// <summary><see cref="MinApprovals"/> distinct people from <see cref="Approvers"/> must approve.</summary>
/// <param name="Approvers">Approver references: <c>group:&lt;name or id&gt;</c>, <c>user:&lt;id or UPN&gt;</c>, or <c>manager</c> (the requester's manager).</param>
/// <param name="MinApprovals">How many distinct people.</param>
/// <param name="Rules">The rules that asked for it.</param>
public sealed record ApprovalRequirement(IReadOnlyList<string> Approvers, int MinApprovals, IReadOnlyList<string> Rules);
