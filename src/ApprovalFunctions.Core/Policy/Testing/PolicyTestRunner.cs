using System.Globalization;
using System.Text.Json;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Policy.Source;

namespace ApprovalFunctions.Core.Policy.Testing;

/// <summary>The outcome of one policy test case.</summary>
/// <param name="At">Where the case is.</param>
/// <param name="Name">The case's name.</param>
/// <param name="Failures">What did not match; empty when the case passed.</param>
public sealed record PolicyTestResult(SourcePosition At, string Name, IReadOnlyList<string> Failures)
{
    /// <summary>True when nothing failed.</summary>
    public bool Passed => Failures.Count == 0;
}

/// <summary>All results of a run.</summary>
/// <param name="Results">One per case, plus one per test file that could not be read.</param>
public sealed record PolicyTestRun(IReadOnlyList<PolicyTestResult> Results)
{
    /// <summary>Cases that passed.</summary>
    public int Passed => Results.Count(r => r.Passed);

    /// <summary>Cases that failed.</summary>
    public int Failed => Results.Count(r => !r.Passed);
}

/// <summary>
/// Runs <c>*.tests.yaml</c> cases against a policy set. A case gives an action (and optionally <c>now</c>,
/// <c>authStrength</c>, <c>agent</c>) and what to expect: the effect, and optionally the matched rules, the approval plan,
/// the mask and the rules that could not be evaluated.
/// </summary>
public static class PolicyTestRunner
{
    /// <summary>The evaluation time of a case without <c>now</c>: a Wednesday at noon UTC.</summary>
    public static readonly DateTimeOffset DefaultNow = new(2026, 1, 7, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The agent of a case without <c>agent</c>.</summary>
    public static readonly AgentIdentity DefaultAgent = new("test-agent", "test-agent-owner");

    private static readonly string[] CaseKeys = ["name", "now", "authStrength", "agent", "action", "expect"];
    private static readonly string[] ExpectKeys = ["effect", "rules", "approval", "mask", "errors"];

    /// <summary>Runs every case of every file in <paramref name="testFiles"/> against <paramref name="set"/>.</summary>
    public static PolicyTestRun Run(PolicySet set, IEnumerable<PolicySource> testFiles)
    {
        Check.NotNull(set);
        Check.NotNull(testFiles);
        var results = new List<PolicyTestResult>();
        foreach (PolicySource file in testFiles.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            var diagnostics = new List<PolicyDiagnostic>();
            SourceNode? root = SourceReader.Read(file.Path, file.Text, diagnostics);
            SeqNode? cases = root switch
            {
                MapNode map when map["cases"] is SeqNode seq => seq,
                SeqNode seq => seq,
                _ => null,
            };
            if (cases is null)
            {
                foreach (PolicyDiagnostic d in diagnostics.DefaultIfEmpty(new PolicyDiagnostic(root?.Position ?? new SourcePosition(file.Path, 1, 1), "a test file is a mapping with a 'cases' list")))
                {
                    results.Add(new PolicyTestResult(d.Position, "(file)", [d.Message]));
                }

                continue;
            }

            foreach (SourceNode node in cases.Items)
            {
                results.Add(RunCase(set, node));
            }
        }

        return new PolicyTestRun(results);
    }

    private static PolicyTestResult RunCase(PolicySet set, SourceNode node)
    {
        if (node is not MapNode map)
        {
            return new PolicyTestResult(node.Position, "(case)", ["a case is a mapping with name, action and expect"]);
        }

        string name = map["name"] is ScalarNode { Kind: ScalarKind.String } n ? n.Text : $"case at line {map.Position.Line}";
        var failures = new List<string>();
        foreach ((ScalarNode key, _) in map.Entries)
        {
            if (!CaseKeys.Contains(key.Text, StringComparer.Ordinal))
            {
                failures.Add($"{key.Position}: unknown key {LogText.Quote(key.Text)}; expected {string.Join(", ", CaseKeys)}");
            }
        }

        PolicyInput? input = ReadInput(map, failures);
        if (map["expect"] is not MapNode expect)
        {
            failures.Add($"{map.Position}: the case needs 'expect' with at least 'effect'");
            return new PolicyTestResult(map.Position, name, failures);
        }

        if (input is null || failures.Count > 0)
        {
            return new PolicyTestResult(map.Position, name, failures);
        }

        PolicyDecision decision = set.Evaluate(input);
        Compare(expect, decision, failures);
        return new PolicyTestResult(map.Position, name, failures);
    }

    private static PolicyInput? ReadInput(MapNode map, List<string> failures)
    {
        if (map["action"] is not MapNode actionNode)
        {
            failures.Add($"{map.Position}: the case needs 'action' (a mapping)");
            return null;
        }

        using JsonDocument document = JsonDocument.Parse(actionNode.ToJson().ToJsonString());
        ActionParseResult parsed = ActionParser.Validate(document.RootElement.Clone());
        if (!parsed.IsValid)
        {
            failures.Add($"{actionNode.Position}: the action is invalid: {parsed.Problem.Detail}");
            return null;
        }

        DateTimeOffset now = DefaultNow;
        if (map["now"] is SourceNode nowNode)
        {
            if (nowNode is ScalarNode s && DateTimeOffset.TryParse(s.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset parsedNow))
            {
                now = parsedNow.ToUniversalTime();
            }
            else
            {
                failures.Add($"{nowNode.Position}: now must be an ISO 8601 time such as 2026-11-21T22:30:00Z");
            }
        }

        string? authStrength = map["authStrength"] is ScalarNode { Kind: ScalarKind.String } a ? a.Text : null;
        AgentIdentity agent = DefaultAgent;
        if (map["agent"] is MapNode agentNode)
        {
            string? id = (agentNode["id"] as ScalarNode)?.Text;
            if (string.IsNullOrWhiteSpace(id))
            {
                failures.Add($"{agentNode.Position}: agent needs an id");
            }
            else
            {
                agent = new AgentIdentity(id, (agentNode["owner"] as ScalarNode)?.Text);
            }
        }

        return new PolicyInput(parsed.Action, agent, now, authStrength);
    }

    private static void Compare(MapNode expect, PolicyDecision decision, List<string> failures)
    {
        foreach ((ScalarNode key, _) in expect.Entries)
        {
            if (!ExpectKeys.Contains(key.Text, StringComparer.Ordinal))
            {
                failures.Add($"{key.Position}: unknown key {LogText.Quote(key.Text)} in expect; expected {string.Join(", ", ExpectKeys)}");
            }
        }

        string actualEffect = PolicySet.Name(decision.Effect);
        if (expect["effect"] is not ScalarNode effect)
        {
            failures.Add($"{expect.Position}: expect needs 'effect'");
        }
        else if (!string.Equals(effect.Text, actualEffect, StringComparison.Ordinal))
        {
            failures.Add($"{effect.Position}: expected effect {effect.Text}, got {actualEffect} (matched: {List(decision.MatchedRules)}; reasons: {string.Join(" | ", decision.Reasons)})");
        }

        CompareSet(expect["rules"], decision.MatchedRules, "matched rules", failures);
        CompareSet(expect["mask"], decision.Mask, "mask", failures);
        CompareSet(expect["errors"], decision.Errors.Select(e => e.Rule).ToList(), "rules with evaluation errors", failures);
        if (expect["approval"] is SourceNode approval)
        {
            CompareApproval(approval, decision.Approval, failures);
        }
    }

    private static void CompareApproval(SourceNode expected, ApprovalPlan? actual, List<string> failures)
    {
        if (expected is ScalarNode { Kind: ScalarKind.Null })
        {
            if (actual is not null)
            {
                failures.Add($"{expected.Position}: expected no approval plan, got one");
            }

            return;
        }

        if (expected is not MapNode map)
        {
            failures.Add($"{expected.Position}: approval must be a mapping or null");
            return;
        }

        if (actual is null)
        {
            failures.Add($"{expected.Position}: expected an approval plan, got none");
            return;
        }

        if (map["requirements"] is SeqNode requirements)
        {
            var want = new List<string>();
            foreach (SourceNode item in requirements.Items)
            {
                if (item is MapNode r && r["approvers"] is SeqNode approvers)
                {
                    int min = r["minApprovals"] is ScalarNode { Kind: ScalarKind.Number } m ? (int)m.Number : 1;
                    want.Add(Requirement(approvers.Items.OfType<ScalarNode>().Select(s => s.Text), min));
                }
                else
                {
                    failures.Add($"{item.Position}: a requirement is {{ approvers: [...], minApprovals: n }}");
                }
            }

            var got = actual.Requirements.Select(r => Requirement(r.Approvers, r.MinApprovals)).ToList();
            if (!want.Order(StringComparer.Ordinal).SequenceEqual(got.Order(StringComparer.Ordinal), StringComparer.Ordinal))
            {
                failures.Add($"{requirements.Position}: expected requirements {List(want)}, got {List(got)}");
            }
        }

        CompareText(map["timeout"], IsoDuration.Format(actual.Timeout), "timeout", failures);
        CompareText(map["remindAfter"], actual.RemindAfter is TimeSpan r1 ? IsoDuration.Format(r1) : "null", "remindAfter", failures);
        CompareText(map["escalateAfter"], actual.EscalateAfter is TimeSpan e1 ? IsoDuration.Format(e1) : "null", "escalateAfter", failures);
        CompareText(map["extendBy"], IsoDuration.Format(actual.ExtendBy), "extendBy", failures);
        CompareText(map["onTimeout"], actual.OnTimeout == TimeoutOutcome.Reject ? "reject" : "approve", "onTimeout", failures);
        CompareText(map["excludeManagerChain"], actual.ExcludeManagerChain ? "true" : "false", "excludeManagerChain", failures);
        CompareSet(map["escalateTo"], actual.EscalateTo, "escalateTo", failures);
    }

    private static string Requirement(IEnumerable<string> approvers, int min) =>
        $"{min} of [{string.Join(", ", approvers.Order(StringComparer.Ordinal))}]";

    private static void CompareText(SourceNode? expected, string actual, string what, List<string> failures)
    {
        if (expected is ScalarNode s)
        {
            string want = s.Kind == ScalarKind.Null ? "null" : s.Text;
            if (s.Kind == ScalarKind.Boolean)
            {
                want = s.Boolean ? "true" : "false";
            }

            if (!string.Equals(want, actual, StringComparison.Ordinal))
            {
                failures.Add($"{s.Position}: expected {what} {want}, got {actual}");
            }
        }
    }

    private static void CompareSet(SourceNode? expected, IReadOnlyList<string> actual, string what, List<string> failures)
    {
        if (expected is null)
        {
            return;
        }

        if (expected is not SeqNode seq)
        {
            failures.Add($"{expected.Position}: {what} must be a list");
            return;
        }

        var want = seq.Items.OfType<ScalarNode>().Select(s => s.Text).Order(StringComparer.Ordinal).ToList();
        if (!want.SequenceEqual(actual.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            failures.Add($"{seq.Position}: expected {what} {List(want)}, got {List(actual)}");
        }
    }

    private static string List(IEnumerable<string> items)
    {
        string joined = string.Join(", ", items);
        return joined.Length == 0 ? "[]" : "[" + joined + "]";
    }
}
