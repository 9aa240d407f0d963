using System.Collections.Concurrent;
using ApprovalFunctions.Core.Policy.Conditions;

namespace ApprovalFunctions.Core.Policy;

/// <summary>
/// A loaded, compiled policy set: every policy file of one directory. Immutable and thread-safe; evaluate it as often as you like.
/// </summary>
public sealed class PolicySet
{
    /// <summary>The default approval timeout when neither a rule nor the defaults give one.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromDays(1);

    private readonly CompiledRule[] _rules;
    private readonly FieldPath[] _fields;
    private readonly PolicyEffect _defaultEffect;
    private readonly string? _defaultReason;
    private readonly ResolvedApproval? _defaultApproval;
    private readonly IReadOnlyList<string> _defaultMask;
    private readonly IReadOnlyList<MaskSource> _defaultMaskSources;

    internal PolicySet(
        string hash,
        IReadOnlyList<string> names,
        CompiledRule[] rules,
        FieldPath[] fields,
        PolicyEffect defaultEffect,
        string? defaultReason,
        ResolvedApproval? defaultApproval,
        IReadOnlyList<string> defaultMask)
    {
        Hash = hash;
        Names = names;
        _rules = rules;
        _fields = fields;
        _defaultEffect = defaultEffect;
        _defaultReason = defaultReason;
        _defaultApproval = defaultApproval;
        _defaultMask = defaultMask;
        _defaultMaskSources = defaultMask.Select(p => new MaskSource(p, ["defaults"])).ToArray();
    }

    /// <summary><c>sha256:</c> of the set's canonical content; independent of file names, file order, rule order and formatting.</summary>
    public string Hash { get; }

    /// <summary>The <c>policy</c> names of the files in the set, sorted.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The rule ids, sorted.</summary>
    public IReadOnlyList<string> RuleIds => _rules.Select(r => r.Id).ToArray();

    /// <summary>Loads and compiles a policy set, or throws <see cref="PolicyLoadException"/> listing every problem.</summary>
    public static PolicySet Load(IEnumerable<PolicySource> sources)
    {
        PolicySet? set = PolicyCompiler.Compile(sources, out IReadOnlyList<PolicyDiagnostic> diagnostics);
        return set ?? throw new PolicyLoadException(diagnostics);
    }

    /// <summary>Loads and compiles a policy set; returns false with the problems when it does not load.</summary>
    public static bool TryLoad(IEnumerable<PolicySource> sources, out PolicySet? set, out IReadOnlyList<PolicyDiagnostic> diagnostics)
    {
        set = PolicyCompiler.Compile(sources, out diagnostics);
        return set is not null;
    }

    /// <summary>Decides on <paramref name="input"/>. Never throws for any valid action; evaluation errors fail closed and are reported.</summary>
    public PolicyDecision Evaluate(PolicyInput input)
    {
        Check.NotNull(input);
        var scope = new EvaluationScope(input, _fields);
        List<CompiledRule>? deny = null, requireApproval = null, allow = null;
        List<PolicyError>? errors = null;
        HashSet<string>? failedClosed = null;
        foreach (CompiledRule rule in _rules)
        {
            Truth truth = rule.Condition.Evaluate(scope);
            List<string>? messages = scope.TakeErrors();
            if (truth == Truth.False)
            {
                continue;
            }

            if (truth == Truth.Error)
            {
                // Fail closed: a deny or requireApproval rule that cannot be evaluated counts as matched; an allow rule does not.
                (errors ??= []).Add(new PolicyError(rule.Id, messages is null ? "could not be evaluated" : string.Join("; ", messages.Distinct(StringComparer.Ordinal))));
                if (rule.Effect == PolicyEffect.Allow)
                {
                    continue;
                }

                (failedClosed ??= new(StringComparer.Ordinal)).Add(rule.Id);
            }

            switch (rule.Effect)
            {
                case PolicyEffect.Deny: (deny ??= []).Add(rule); break;
                case PolicyEffect.RequireApproval: (requireApproval ??= []).Add(rule); break;
                default: (allow ??= []).Add(rule); break;
            }
        }

        var matched = Concat(deny, requireApproval, allow);
        matched.Sort(StringComparer.Ordinal);
        (IReadOnlyList<string> mask, IReadOnlyList<MaskSource> maskSources) = MergeMasks(deny, requireApproval, allow);

        // Combining, order-independent (rules are visited in id order and every list is sorted):
        if (deny is not null)
        {
            // 1. Any matching deny wins.
            return Decide(PolicyEffect.Deny, Reasons(deny, failedClosed), null);
        }

        if (requireApproval is not null)
        {
            // 2. Else any matching requireApproval: every requirement kept, the strictest timing wins.
            return Decide(PolicyEffect.RequireApproval, Reasons(requireApproval, failedClosed), CombinePlans(requireApproval));
        }

        if (allow is not null)
        {
            // 3. Else any matching allow.
            return Decide(PolicyEffect.Allow, Reasons(allow, failedClosed), null);
        }

        // 4. Else the defaults (requireApproval unless the set says otherwise).
        string reason = _defaultReason ?? $"no rule matched; the default effect is {Name(_defaultEffect)}";
        ApprovalPlan? plan = _defaultEffect == PolicyEffect.RequireApproval ? ToPlan([(_defaultApproval!, "defaults")]) : null;
        return Decide(_defaultEffect, [reason], plan);

        PolicyDecision Decide(PolicyEffect effect, IReadOnlyList<string> reasons, ApprovalPlan? plan) =>
            new(effect, matched, reasons, (IReadOnlyList<PolicyError>?)errors ?? [], plan, mask, Hash, maskSources);
    }

    private static List<string> Concat(List<CompiledRule>? a, List<CompiledRule>? b, List<CompiledRule>? c)
    {
        var ids = new List<string>((a?.Count ?? 0) + (b?.Count ?? 0) + (c?.Count ?? 0));
        foreach (List<CompiledRule>? list in (ReadOnlySpan<List<CompiledRule>?>)[a, b, c])
        {
            if (list is not null)
            {
                foreach (CompiledRule rule in list)
                {
                    ids.Add(rule.Id);
                }
            }
        }

        return ids;
    }

    private (IReadOnlyList<string> Paths, IReadOnlyList<MaskSource> Sources) MergeMasks(List<CompiledRule>? a, List<CompiledRule>? b, List<CompiledRule>? c)
    {
        SortedDictionary<string, SortedSet<string>>? paths = null;
        foreach (List<CompiledRule>? list in (ReadOnlySpan<List<CompiledRule>?>)[a, b, c])
        {
            if (list is null)
            {
                continue;
            }

            foreach (CompiledRule rule in list)
            {
                foreach (string path in rule.Mask)
                {
                    paths ??= DefaultMaskSources();
                    if (!paths.TryGetValue(path, out SortedSet<string>? rules))
                    {
                        paths[path] = rules = new SortedSet<string>(StringComparer.Ordinal);
                    }

                    rules.Add(rule.Id);
                }
            }
        }

        if (paths is null)
        {
            return (_defaultMask, _defaultMaskSources);
        }

        return ([.. paths.Keys], paths.Select(p => new MaskSource(p.Key, [.. p.Value])).ToArray());
    }

    private SortedDictionary<string, SortedSet<string>> DefaultMaskSources()
    {
        var paths = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (string path in _defaultMask)
        {
            paths[path] = new SortedSet<string>(StringComparer.Ordinal) { "defaults" };
        }

        return paths;
    }

    private static string[] Reasons(List<CompiledRule> rules, HashSet<string>? failedClosed)
    {
        var reasons = new string[rules.Count];
        for (int i = 0; i < rules.Count; i++)
        {
            CompiledRule rule = rules[i];
            string reason = rule.Reason ?? $"rule {rule.Id} matched";
            reasons[i] = failedClosed is not null && failedClosed.Contains(rule.Id)
                ? $"{reason} (rule {rule.Id} could not be evaluated and fails closed)"
                : reason;
        }

        return reasons;
    }

    private static ApprovalPlan CombinePlans(List<CompiledRule> rules)
    {
        var parts = new List<(ResolvedApproval, string)>(rules.Count);
        foreach (CompiledRule rule in rules)
        {
            parts.Add((rule.Approval!, rule.Id));
        }

        return ToPlan(parts);
    }

    private static ApprovalPlan ToPlan(List<(ResolvedApproval Approval, string Rule)> parts)
    {
        // Identical requirements (same approvers, same count) merge; the rest are all kept.
        var requirements = new SortedDictionary<string, (IReadOnlyList<string> Approvers, int Min, SortedSet<string> Rules)>(StringComparer.Ordinal);
        TimeSpan timeout = TimeSpan.MaxValue;
        TimeSpan? remind = null, escalate = null, extendBy = null;
        var escalateTo = new SortedSet<string>(StringComparer.Ordinal);
        bool reject = false, excludeManagers = false;
        foreach ((ResolvedApproval approval, string rule) in parts)
        {
            string key = string.Join('\n', approval.Approvers) + "\n#" + approval.MinApprovals.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!requirements.TryGetValue(key, out var entry))
            {
                entry = (approval.Approvers, approval.MinApprovals, new SortedSet<string>(StringComparer.Ordinal));
                requirements[key] = entry;
            }

            entry.Rules.Add(rule);
            timeout = Min(timeout, approval.Timeout);
            remind = MinOptional(remind, approval.RemindAfter);
            if (approval.EscalateAfter is TimeSpan after)
            {
                escalate = MinOptional(escalate, after);
                extendBy = MinOptional(extendBy, approval.ExtendBy);
                escalateTo.UnionWith(approval.EscalateTo);
            }

            reject |= approval.OnTimeout == TimeoutOutcome.Reject;
            excludeManagers |= approval.ExcludeManagerChain;
        }

        // A reminder or escalation that would come after the (shortest) deadline cannot happen.
        if (remind >= timeout)
        {
            remind = null;
        }

        if (escalate >= timeout)
        {
            escalate = null;
            extendBy = null;
            escalateTo.Clear();
        }

        ApprovalRequirement[] list = requirements.Values
            .Select(r => new ApprovalRequirement(r.Approvers, r.Min, [.. r.Rules]))
            .ToArray();
        return new ApprovalPlan(list, timeout, remind, escalate, [.. escalateTo], extendBy ?? TimeSpan.Zero,
            reject ? TimeoutOutcome.Reject : TimeoutOutcome.Approve, excludeManagers);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan? MinOptional(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : Min(a.Value, b.Value);

    internal static string Name(PolicyEffect effect) => effect switch
    {
        PolicyEffect.Allow => "allow",
        PolicyEffect.Deny => "deny",
        _ => "requireApproval",
    };
}

/// <summary>Compiled policy sets by hash, so that the same content is compiled once and shared.</summary>
public sealed class PolicySetCache
{
    private readonly ConcurrentDictionary<string, PolicySet> _sets = new(StringComparer.Ordinal);

    /// <summary>Loads <paramref name="sources"/> and returns the cached set with the same hash if there is one.</summary>
    public PolicySet Load(IEnumerable<PolicySource> sources)
    {
        PolicySet loaded = PolicySet.Load(sources);
        return _sets.GetOrAdd(loaded.Hash, loaded);
    }

    /// <summary>The set with <paramref name="hash"/>, if one was loaded.</summary>
    public bool TryGet(string hash, out PolicySet? set) => _sets.TryGetValue(hash, out set);
}
