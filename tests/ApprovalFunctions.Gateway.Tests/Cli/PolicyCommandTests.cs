using System.Text.Json;
using ApprovalFunctions.Gateway.Tests.Support;

namespace ApprovalFunctions.Gateway.Tests.Cli;

public sealed class PolicyCommandTests : IDisposable
{
    private const string ExportAction = """
        {
          "type": "data.export",
          "summary": "Export the customers table to the backup region",
          "requester": { "id": "u-dana", "displayName": "Dana" },
          "data": { "classification": ["pii"], "sourceRegion": "westeurope", "destinationRegion": "eastus", "recordCount": 120000 }
        }
        """;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Validate_ExamplePolicies_ExitsZero()
    {
        CliRunner.Result result = await CliRunner.RunAsync("policy", "validate", RepoPaths.Policies);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("ok: 7 file(s)", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_BrokenPolicy_PrintsFileLineColumnPerProblemAndExitsOne()
    {
        string file = _temp.Write("bad.yaml", "policy: p\nrules:\n  - id: a\n    if: { field: action.type, equalz: x }\n    then: { effect: allow }\n");

        CliRunner.Result result = await CliRunner.RunAsync("policy", "validate", file);

        Assert.Equal(1, result.ExitCode);
        string[] lines = result.Out.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.Matches(@"^.+bad\.yaml:\d+:\d+: .+$", l));
        Assert.Contains(lines, l => l.EndsWith("bad.yaml:4:31: unknown operator \"equalz\"; operators are equals, notEquals, in, notIn, like, notLike, contains, notContains, containsAny, exists, greater, greaterOrEquals, less, lessOrEquals", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_MissingPath_ExitsTwo()
    {
        CliRunner.Result result = await CliRunner.RunAsync("policy", "validate", Path.Combine(_temp.Path, "nope"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no such file or directory", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_ExamplePolicies_PrintsTheDecisionWithExactlyTheDocumentedKeys()
    {
        string action = _temp.Write("a.json", ExportAction);

        CliRunner.Result result = await CliRunner.RunAsync("policy", "eval", "--policy", RepoPaths.Policies, "--action", action, "--now", "2026-11-21T10:00:00Z");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Out);
        Assert.Equal(["effect", "matchedRules", "reasons", "errors", "approval", "mask", "policyHash"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("deny", json.RootElement.GetProperty("effect").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("approval").ValueKind);
        Assert.Contains("residency.eu-personal-data-stays-in-eu", json.RootElement.GetProperty("matchedRules").EnumerateArray().Select(e => e.GetString()));
        Assert.StartsWith("sha256:", json.RootElement.GetProperty("policyHash").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_ActionFromStandardInputWithAuthStrength_UsesBoth()
    {
        const string roleChange = """{"type":"role.assign","summary":"Grant Reader","parameters":{"role":"Reader"}}""";

        CliRunner.Result weak = await CliRunner.RunWithInputAsync(roleChange, "policy", "eval", "--policy", RepoPaths.Policies, "--action", "-");
        CliRunner.Result strong = await CliRunner.RunWithInputAsync(roleChange, "policy", "eval", "--policy", RepoPaths.Policies, "--action", "-", "--auth-strength", "mfa");

        Assert.Equal("deny", JsonDocument.Parse(weak.Out).RootElement.GetProperty("effect").GetString());
        Assert.Equal("requireApproval", JsonDocument.Parse(strong.Out).RootElement.GetProperty("effect").GetString());
    }

    [Theory]
    [InlineData("""{"type": 5}""", "type: must be a string, not a number")]
    [InlineData("""{"type": "x", "summary": "s",""", "The request body is not well-formed JSON.")]
    [InlineData("""{"type":"x","summary":"s","data":{"sourceRegion":"not a region"}}""", "data.sourceRegion: must be a region name")]
    public async Task Eval_BadAction_ExitsTwoNamingTheProblem(string body, string message)
    {
        CliRunner.Result result = await CliRunner.RunWithInputAsync(body, "policy", "eval", "--policy", RepoPaths.Policies, "--action", "-");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task Eval_BadNow_ExitsTwo()
    {
        CliRunner.Result result = await CliRunner.RunWithInputAsync(ExportAction, "policy", "eval", "--policy", RepoPaths.Policies, "--action", "-", "--now", "yesterday");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--now must be an ISO 8601 time", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_MissingRequiredOption_ExitsTwo()
    {
        CliRunner.Result result = await CliRunner.RunAsync("policy", "eval", "--action", "-");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--policy", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_ExamplePolicies_AllPass()
    {
        CliRunner.Result result = await CliRunner.RunAsync("policy", "test", RepoPaths.Policies);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^\d+ passed, 0 failed$", result.Out.TrimEnd().Split('\n')[^1]);
    }

    [Fact]
    public async Task Test_FailingCase_PrintsItAndTheTallyAndExitsOne()
    {
        _temp.Write("p.yaml", "policy: p\ndefaults: { effect: allow }\nrules:\n  - { id: no-exports, if: { field: action.type, equals: data.export }, then: { effect: deny } }\n");
        _temp.Write("p.tests.yaml", """
            cases:
              - name: exports are denied
                action: { type: data.export, summary: s }
                expect: { effect: deny, rules: [no-exports] }
              - name: a wrong expectation
                action: { type: data.import, summary: s }
                expect: { effect: deny }
            """);

        CliRunner.Result result = await CliRunner.RunAsync("policy", "test", _temp.Path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("FAIL", result.Out, StringComparison.Ordinal);
        Assert.Contains("a wrong expectation", result.Out, StringComparison.Ordinal);
        Assert.Contains("expected effect deny, got allow", result.Out, StringComparison.Ordinal);
        Assert.Equal("1 passed, 1 failed", result.Out.TrimEnd().Split('\n')[^1]);
    }

    [Fact]
    public async Task UnknownCommand_ExitsTwo()
    {
        CliRunner.Result result = await CliRunner.RunAsync("policy", "frobnicate");

        Assert.Equal(2, result.ExitCode);
    }
}
