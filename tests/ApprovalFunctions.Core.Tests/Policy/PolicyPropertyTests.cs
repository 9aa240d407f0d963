using System.Globalization;
using System.Text;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Policy;

namespace ApprovalFunctions.Core.Tests.Policy;

/// <summary>Order of rules and files never changes a decision (including its policy hash).</summary>
public class PolicyPropertyTests
{
    private static readonly string[] Types = ["data.export", "db.write.rows", "role.assign", "crm.read", "deploy.web"];
    private static readonly string[] Regions = ["westeurope", "northeurope", "eastus", "uksouth"];
    private static readonly string[] Labels = ["pii", "phi", "internal", "public"];
    private static readonly string[] Environments = ["production", "staging", "dev"];

    [Fact]
    public void Evaluate_ShufflingRulesAndFiles_NeverChangesTheDecision()
    {
        var random = new Random(20261121);
        int decisions = 0;
        for (int set = 0; set < 60; set++)
        {
            List<string> rules = Enumerable.Range(0, random.Next(3, 25)).Select(i => RandomRule(random, i)).ToList();
            PolicySet original = Build(rules, files: 1, random: null);
            for (int shuffle = 0; shuffle < 4; shuffle++)
            {
                PolicySet shuffled = Build(rules, files: random.Next(1, 5), random);
                Assert.Equal(original.Hash, shuffled.Hash);
                for (int a = 0; a < 25; a++)
                {
                    PolicyInput input = RandomInput(random);
                    Assert.Equal(CoreJson.Serialize(original.Evaluate(input)), CoreJson.Serialize(shuffled.Evaluate(input)));
                    decisions++;
                }
            }
        }

        Assert.Equal(60 * 4 * 25, decisions);
    }

    [Fact]
    public void Hash_ChangingARule_ChangesTheHash()
    {
        string rule = RandomRule(new Random(1), 0);
        PolicySet a = Build([rule], 1, null);
        PolicySet b = Build([rule.Replace("effect: ", "reason: changed, effect: ", StringComparison.Ordinal)], 1, null);

        Assert.NotEqual(a.Hash, b.Hash);
    }

    [Fact]
    public void Hash_YamlAndJsonOfTheSameSet_AreEqual()
    {
        PolicySet yaml = PolicySet.Load([new PolicySource("p.yaml",
            "policy: p\ndefaults: { effect: allow }\nrules:\n  - { id: a, if: { field: action.type, equals: x }, then: { effect: deny } }\n")]);
        PolicySet json = PolicySet.Load([new PolicySource("p.json",
            """{"rules":[{"then":{"effect":"deny"},"id":"a","if":{"equals":"x","field":"action.type"}}],"defaults":{"effect":"allow"},"policy":"p"}""")]);

        Assert.Equal(yaml.Hash, json.Hash);
    }

    private static PolicySet Build(List<string> rules, int files, Random? random)
    {
        List<string> order = random is null ? rules : rules.OrderBy(_ => random.Next()).ToList();
        var buckets = Enumerable.Range(0, files).Select(_ => new StringBuilder("rules:\n")).ToArray();
        for (int i = 0; i < order.Count; i++)
        {
            buckets[random is null ? 0 : random.Next(files)].Append("  - ").Append(order[i]).Append('\n');
        }

        // The defaults and the policy name go to one randomly chosen file; names differ per file.
        int home = random?.Next(files) ?? 0;
        var sources = new List<PolicySource>();
        for (int f = 0; f < files; f++)
        {
            string header = f == home
                ? "policy: generated\nparameters: { eu: [westeurope, northeurope] }\ndefaults: { effect: requireApproval, approval: { approvers: [\"group:sec\"], timeout: PT4H } }\n"
                : "policy: generated\n";
            sources.Add(new PolicySource($"file{(random is null ? f : random.Next(1000)):D3}-{f}.yaml", header + buckets[f]));
        }

        return PolicySet.Load(sources.OrderBy(_ => random?.Next() ?? 0));
    }

    private static string RandomRule(Random random, int index)
    {
        string[] leaves =
        [
            $"{{ field: action.type, equals: {Pick(random, Types)} }}",
            $"{{ field: action.type, like: \"{Pick(random, ["db.*", "*.read", "data.*"])}\" }}",
            $"{{ field: data.sourceRegion, in: $eu }}",
            $"{{ field: data.destinationRegion, notIn: $eu }}",
            $"{{ field: data.classification, containsAny: [{Pick(random, Labels)}, {Pick(random, Labels)}] }}",
            $"{{ field: target.environment, notEquals: {Pick(random, Environments)} }}",
            $"{{ field: data.recordCount, greater: {random.Next(0, 2000)} }}",
            $"{{ field: parameters.count, less: {random.Next(0, 10)} }}",
            "{ field: identity.authStrength, exists: true }",
            $"{{ field: request.hourUtc, greaterOrEquals: {random.Next(0, 24)} }}",
        ];
        string condition = random.Next(3) switch
        {
            0 => Pick(random, leaves),
            1 => $"{{ allOf: [{Pick(random, leaves)}, {Pick(random, leaves)}] }}",
            _ => $"{{ anyOf: [{Pick(random, leaves)}, {{ not: {Pick(random, leaves)} }}] }}",
        };
        string then = random.Next(3) switch
        {
            0 => "{ effect: deny }",
            1 => "{ effect: allow }",
            _ => $"{{ effect: requireApproval, approval: {{ approvers: [\"group:g{random.Next(4)}\"], minApprovals: {random.Next(1, 3)}, timeout: PT{random.Next(1, 9)}H, remindAfter: PT{random.Next(10, 50)}M, onTimeout: {Pick(random, ["reject", "approve"])} }}, mask: [parameters.m{random.Next(3)}] }}",
        };
        return $"{{ id: rule-{index:D3}, if: {condition}, then: {then} }}";
    }

    private static PolicyInput RandomInput(Random random)
    {
        string json = $$"""
            {
              "type": "{{Pick(random, Types)}}",
              "summary": "generated",
              "target": { "environment": "{{Pick(random, Environments)}}" },
              "data": { "classification": ["{{Pick(random, Labels)}}"], "sourceRegion": "{{Pick(random, Regions)}}", "destinationRegion": "{{Pick(random, Regions)}}", "recordCount": {{random.Next(0, 3000)}} },
              "parameters": { "count": {{(random.Next(4) == 0 ? "\"not a number\"" : random.Next(0, 10).ToString(CultureInfo.InvariantCulture))}} }
            }
            """;
        ActionRequest action = ActionParser.Parse(json).Action!;
        return new PolicyInput(action, new AgentIdentity("agent"), new DateTimeOffset(2026, 11, 21, random.Next(24), 0, 0, TimeSpan.Zero),
            random.Next(2) == 0 ? "mfa" : null);
    }

    private static string Pick(Random random, string[] items) => items[random.Next(items.Length)];
}
