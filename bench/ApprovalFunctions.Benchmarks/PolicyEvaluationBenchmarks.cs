using System.Globalization;
using System.Text;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Policy;
using BenchmarkDotNet.Attributes;

namespace ApprovalFunctions.Benchmarks;

/// <summary>
/// One decision against generated 100- and 1,000-rule sets shaped like real ones: action-type, environment,
/// classification, residency and volume conditions, with allOf/anyOf/not and parameters.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PolicyEvaluationBenchmarks
{
    private PolicySet _set = null!;
    private PolicyInput _input = null!;

    [Params(100, 1000)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _set = PolicySet.Load([new PolicySource("generated.yaml", GeneratedPolicy.Yaml(Rules))]);
        ActionRequest action = ActionParser.Parse(GeneratedPolicy.ActionJson).Action!;
        _input = new PolicyInput(action, new AgentIdentity("etl-bot", "dana"), new DateTimeOffset(2026, 11, 21, 22, 30, 0, TimeSpan.Zero), "mfa");
    }

    [Benchmark]
    public PolicyDecision Evaluate() => _set.Evaluate(_input);
}

/// <summary>Generates policy sets for benchmarks and load tests.</summary>
public static class GeneratedPolicy
{
    public const string ActionJson = """
        {
          "type": "data.export",
          "summary": "Export the customers table to the backup region",
          "requester": { "id": "u-dana", "displayName": "Dana" },
          "target": { "resource": "/subscriptions/s/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/custdata", "environment": "production" },
          "data": { "classification": ["pii", "internal"], "sourceRegion": "westeurope", "destinationRegion": "northeurope", "recordCount": 120000 },
          "parameters": { "table": "customers", "format": "parquet", "rows": [ { "region": "westeurope" }, { "region": "eastus" } ] }
        }
        """;

    private static readonly string[] Services = ["data", "db", "role", "storage", "deploy", "config", "secret", "crm", "report", "vm"];
    private static readonly string[] Verbs = ["export", "write.rows", "assign", "replicate", "release", "update", "read", "delete", "copy", "restart"];
    private static readonly string[] Environments = ["production", "staging", "dev"];
    private static readonly string[] Labels = ["pii", "phi", "pci", "internal", "confidential"];

    public static string Yaml(int rules)
    {
        var sb = new StringBuilder();
        sb.Append("policy: generated\n");
        sb.Append("parameters:\n  eu: [westeurope, northeurope, francecentral, germanywestcentral, swedencentral]\n  prod: [production, prod]\n");
        sb.Append("defaults: { effect: requireApproval, approval: { approvers: [\"group:security-oncall\"], timeout: PT4H } }\n");
        sb.Append("rules:\n");
        for (int i = 0; i < rules; i++)
        {
            string type = $"{Services[i % Services.Length]}.{Verbs[(i / Services.Length) % Verbs.Length]}";
            string condition = (i % 5) switch
            {
                0 => $"{{ allOf: [ {{ field: action.type, equals: {type} }}, {{ field: target.environment, in: $prod }} ] }}",
                1 => $"{{ allOf: [ {{ field: action.type, like: \"{Services[i % Services.Length]}.*\" }}, {{ field: data.classification, containsAny: [{Labels[i % Labels.Length]}, {Labels[(i + 1) % Labels.Length]}] }}, {{ field: data.destinationRegion, notIn: $eu }} ] }}",
                2 => $"{{ anyOf: [ {{ field: action.type, equals: {type} }}, {{ field: data.recordCount, greater: {1_000_000 + i} }} ] }}",
                3 => $"{{ allOf: [ {{ field: target.environment, equals: {Environments[i % Environments.Length]} }}, {{ not: {{ field: action.type, like: \"*.read\" }} }}, {{ field: request.hourUtc, less: {i % 24} }} ] }}",
                _ => $"{{ allOf: [ {{ field: action.type, equals: {type}.v{i} }}, {{ field: parameters.table, equals: t{i} }} ] }}",
            };
            string then = (i % 3) switch
            {
                0 => "{ effect: deny }",
                1 => "{ effect: allow }",
                _ => string.Create(CultureInfo.InvariantCulture, $"{{ effect: requireApproval, approval: {{ approvers: [\"group:g{i % 7}\"], minApprovals: {1 + (i % 2)}, timeout: PT{1 + (i % 8)}H }} }}"),
            };
            sb.Append(CultureInfo.InvariantCulture, $"  - {{ id: rule-{i:D4}, if: {condition}, then: {then} }}\n");
        }

        return sb.ToString();
    }
}
