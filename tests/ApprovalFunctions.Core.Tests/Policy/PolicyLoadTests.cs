using ApprovalFunctions.Core.Policy;

namespace ApprovalFunctions.Core.Tests.Policy;

public class PolicyLoadTests
{
    private const string Defaults = "defaults: { effect: requireApproval, approval: { approvers: [\"group:g\"] } }\n";

    private static IReadOnlyList<PolicyDiagnostic> Problems(params PolicySource[] sources)
    {
        Assert.False(PolicySet.TryLoad(sources, out _, out IReadOnlyList<PolicyDiagnostic> diagnostics));
        return diagnostics;
    }

    private static string Only(string yaml, string path = "p.yaml")
    {
        IReadOnlyList<PolicyDiagnostic> diagnostics = Problems(new PolicySource(path, yaml));
        Assert.Single(diagnostics);
        return diagnostics[0].ToString();
    }

    [Theory]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, equalz: x }\n    then: { effect: allow }\n",
        "p.yaml:5:31: unknown operator \"equalz\"")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: foo.bar, equals: x }\n    then: { effect: allow }\n",
        "p.yaml:5:18: unknown field \"foo.bar\"")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.typo, equals: x }\n    then: { effect: allow }\n",
        "p.yaml:5:18: unknown field \"action.typo\"; action.* has action.type, action.summary, action.intent, action.idempotencyKey")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: data.sourceRegion, in: $nope }\n    then: { effect: allow }\n",
        "p.yaml:5:41: unknown parameter \"$nope\" (the set defines none)")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, equals: x }\n    then: { effect: perhaps }\n",
        "p.yaml:6:21: effect must be allow, deny or requireApproval, not \"perhaps\"")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, equals: x, like: y }\n    then: { effect: allow }\n",
        "p.yaml:5:42: a condition has one operator; found equals and like")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, in: [a, 1] }\n    then: { effect: allow }\n",
        "p.yaml:5:35: the values of in must all be of one kind")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, exists: yes }\n    then: { effect: allow }\n",
        "p.yaml:5:39: exists takes true or false")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { allOf: [] }\n    then: { effect: allow }\n",
        "p.yaml:5:18: allOf must be a non-empty list of conditions")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, equals: null }\n    then: { effect: allow }\n",
        "p.yaml:5:39: equals cannot compare with null; use exists: false")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: \"parameters.*.x\", equals: 1 }\n    then: { effect: allow }\n",
        "p.yaml:5:18: field \"parameters.*.x\" uses '*' as a name; conditions use [*] for array elements")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, equals: x }\n    then: { effect: allow, approval: { approvers: [\"group:g\"] } }\n",
        "p.yaml:6:38: approval is only meaningful with effect requireApproval, not allow")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, equals: x }\n    then: { effect: requireApproval, approval: { approvers: [\"team:x\"] } }\n",
        "p.yaml:6:62: approvers entries are group:<name or id>, user:<id or UPN> or manager; found \"team:x\"")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, equals: x }\n    then: { effect: requireApproval, approval: { timeout: 4h } }\n",
        "p.yaml:6:59: timeout must be an ISO 8601 duration such as PT15M, PT4H or P2D")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, equals: x }\n    then: { effect: requireApproval, approval: { timeout: P60D } }\n",
        "p.yaml:6:59: timeout must be at most P30D")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, equals: x }\n    then: { effect: requireApproval, approval: { timeout: PT1H, remindAfter: PT2H } }\n",
        "p.yaml:6:48: remindAfter (PT2H) must be shorter than timeout (PT1H)")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, equals: x }\n    then: { effect: requireApproval, approval: { escalateAfter: PT1H } }\n",
        "p.yaml:6:48: escalateAfter and escalateTo go together")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, equals: x }\n    then: { effect: requireApproval, approval: { approvers: [\"user:a\"], minApprovals: 2 } }\n",
        "p.yaml:6:87: minApprovals is 2 but only 1 named user(s) can approve")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, equals: x }\n    then: { effect: allow, mask: [\"secrets.x\"] }\n",
        "p.yaml:6:35: mask path \"secrets.x\" must start with one of")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: \"has space\"\n    if: { field: action.type, equals: x }\n    then: { effect: allow }\n",
        "p.yaml:4:9: rule id \"has space\" must be letters, digits")]
    [InlineData("policy: p\n" + Defaults + "rulez: []\n",
        "p.yaml:3:1: unknown key \"rulez\" in a policy file; expected policy, version, description, parameters, defaults, rules")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, equals: x }\n",
        "p.yaml:4:5: a rule needs 'then'")]
    [InlineData("policy: p\nrules: []\n",
        "p.yaml:1:1: the default effect is requireApproval (the fail-safe default) but defaults.approval names no approvers")]
    [InlineData("policy: p\n" + Defaults + "rules:\n  - id: a\n    if: { field: action.type, equals: x }\n    then: { effect: requireApproval }\n",
        "")]
    public void Load_InvalidPolicy_ReportsFileLineColumnAndMessage(string yaml, string expected)
    {
        if (expected.Length == 0)
        {
            // A requireApproval rule without its own block takes the defaults' approvers: valid.
            Assert.True(PolicySet.TryLoad([new PolicySource("p.yaml", yaml)], out _, out _));
            return;
        }

        Assert.StartsWith(expected, Only(yaml), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BadYaml_ReportsThePosition()
    {
        string message = Only("policy: p\nrules:\n  - id: a\n   if: [\n");

        Assert.StartsWith("p.yaml:4:", message, StringComparison.Ordinal);
        Assert.Contains("invalid YAML", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DuplicateYamlKey_ReportsTheSecondKey() =>
        Assert.Equal("p.yaml:2:1: duplicate key \"policy\"", Only("policy: p\npolicy: q\n"));

    [Fact]
    public void Load_BadJson_ReportsLineAndColumn()
    {
        string message = Only("{\n  \"policy\": \"p\",\n  \"rules\": [ oops ]\n}\n", "p.json");

        Assert.StartsWith("p.json:3:14: invalid JSON", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_JsonPolicy_ReportsPositionsInTheJsonFile()
    {
        const string json = "{\n  \"policy\": \"p\",\n  \"defaults\": { \"effect\": \"allow\" },\n  \"rules\": [\n    { \"id\": \"a\", \"if\": { \"field\": \"action.type\", \"equalz\": \"x\" }, \"then\": { \"effect\": \"allow\" } }\n  ]\n}\n";

        Assert.StartsWith("p.json:5:50: unknown operator \"equalz\"", Only(json, "p.json"), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DuplicateRuleIdsAcrossFiles_NamesBothPlaces()
    {
        IReadOnlyList<PolicyDiagnostic> problems = Problems(
            new PolicySource("a.yaml", "policy: a\n" + Defaults + "rules:\n  - { id: same, if: { field: action.type, equals: x }, then: { effect: allow } }\n"),
            new PolicySource("b.yaml", "policy: b\nrules:\n  - { id: SAME, if: { field: action.type, equals: y }, then: { effect: deny } }\n"));

        Assert.Equal("b.yaml:3:5: duplicate rule id \"SAME\"; first defined at a.yaml:4:5", Assert.Single(problems).ToString());
    }

    [Fact]
    public void Load_ConflictingParameterAcrossFiles_IsAnError()
    {
        IReadOnlyList<PolicyDiagnostic> problems = Problems(
            new PolicySource("a.yaml", "policy: a\n" + Defaults + "parameters: { eu: [westeurope] }\n"),
            new PolicySource("b.yaml", "policy: b\nparameters: { eu: [westeurope, northeurope] }\n"));

        Assert.Equal("b.yaml:2:15: parameter eu conflicts with its definition at a.yaml:3:19", Assert.Single(problems).ToString());
    }

    [Fact]
    public void Load_TheSameParameterInTwoFiles_IsMerged()
    {
        Assert.True(PolicySet.TryLoad(
            [
                new PolicySource("a.yaml", "policy: a\n" + Defaults + "parameters: { eu: [westeurope] }\n"),
                new PolicySource("b.json", "{\"policy\": \"b\", \"parameters\": {\"eu\": [\"westeurope\"]}}"),
            ],
            out _,
            out _));
    }

    [Fact]
    public void Load_DefaultsInTwoFiles_IsAnError()
    {
        IReadOnlyList<PolicyDiagnostic> problems = Problems(
            new PolicySource("a.yaml", "policy: a\n" + Defaults),
            new PolicySource("b.yaml", "policy: b\n" + Defaults));

        Assert.Equal("b.yaml:2:11: defaults are already defined at a.yaml:2:11; a policy set has one defaults block", Assert.Single(problems).ToString());
    }

    [Fact]
    public void Load_ManyProblems_ReportsAllInFileAndLineOrder()
    {
        IReadOnlyList<PolicyDiagnostic> problems = Problems(
            new PolicySource("b.yaml", "policy: b\nrules:\n  - { id: x, if: { field: nope, equals: 1 }, then: { effect: allow } }\n"),
            new PolicySource("a.yaml", "policy: a\n" + Defaults + "rules:\n  - { id: y, if: { field: action.type, equals: 1 }, then: { effect: no } }\n  - { id: z }\n"));

        Assert.Equal(["a.yaml", "a.yaml", "a.yaml", "b.yaml"], problems.Select(p => p.Position.File));
        Assert.True(problems.Select(p => p.Position.Line).Take(3).SequenceEqual(problems.Select(p => p.Position.Line).Take(3).Order()));
    }

    [Fact]
    public void Load_NoFiles_IsAnError() =>
        Assert.Contains("no policy files were found", Assert.Single(Problems()).Message, StringComparison.Ordinal);

    [Fact]
    public void Load_AnchorsAndAliases_AreRefused() =>
        Assert.Contains("anchors and aliases are not supported", Only("policy: &n p\nversion: *n\n"), StringComparison.Ordinal);

    [Fact]
    public void Load_PolicyLoadException_CarriesEveryDiagnostic()
    {
        var ex = Assert.Throws<PolicyLoadException>(() => PolicySet.Load([new PolicySource("p.yaml", "policy: p\nrules: 5\n")]));

        Assert.Equal(2, ex.Diagnostics.Count);
        Assert.Contains("p.yaml:2:8: rules must be a list", ex.Message, StringComparison.Ordinal);
    }
}
