using System.CommandLine;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Policy.Testing;
using ApprovalFunctions.Gateway.Policies;

namespace ApprovalFunctions.Gateway.Cli;

/// <summary><c>approvals policy validate | eval | test</c>.</summary>
internal static class PolicyCommands
{
    public static Command Create(CliConsole console)
    {
        var policy = new Command("policy", "Validate, evaluate and test policy sets.");
        policy.Add(Validate(console));
        policy.Add(Eval(console));
        policy.Add(Test(console));
        return policy;
    }

    private static Command Validate(CliConsole console)
    {
        var path = new Argument<string>("path") { Description = "A policy file or a directory (one policy set)." };
        var command = new Command("validate", "Check a policy set. Exit 0 when it loads; otherwise print file:line:col: message per problem and exit 1.") { path };
        command.SetAction((parse, ct) => ApprovalsCli.Guard(console, async () =>
        {
            IReadOnlyList<PolicySource> sources = PolicyFiles.ReadSet(parse.GetRequiredValue(path));
            if (PolicySet.TryLoad(sources, out PolicySet? set, out IReadOnlyList<PolicyDiagnostic> diagnostics))
            {
                await console.Out.WriteLineAsync($"ok: {sources.Count} file(s), {set!.RuleIds.Count} rule(s), {set.Hash}");
                return ExitCodes.Ok;
            }

            foreach (PolicyDiagnostic diagnostic in diagnostics)
            {
                await console.Out.WriteLineAsync(diagnostic.ToString());
            }

            return ExitCodes.Problems;
        }));
        return command;
    }

    private static Command Eval(CliConsole console)
    {
        var policyPath = new Option<string>("--policy") { Description = "A policy file or directory.", Required = true };
        var actionPath = new Option<string>("--action") { Description = "An action request JSON file, or - for standard input.", Required = true };
        var now = new Option<string?>("--now") { Description = "Evaluation time, ISO 8601 UTC (default: the current time)." };
        var authStrength = new Option<string?>("--auth-strength") { Description = "The caller's authentication strength, e.g. mfa." };
        var agent = new Option<string>("--agent") { Description = "The calling agent's id.", DefaultValueFactory = _ => "cli" };
        var agentOwner = new Option<string?>("--agent-owner") { Description = "The calling agent's owner." };
        var command = new Command("eval", "Print the policy decision for an action as JSON.") { policyPath, actionPath, now, authStrength, agent, agentOwner };
        command.SetAction((parse, ct) => ApprovalsCli.Guard(console, async () =>
        {
            PolicySet set = CliInput.LoadPolicy(parse.GetRequiredValue(policyPath));
            var action = await CliInput.ReadActionAsync(parse.GetRequiredValue(actionPath), console, ct);
            var input = new PolicyInput(action, new AgentIdentity(parse.GetRequiredValue(agent), parse.GetValue(agentOwner)),
                CliInput.ParseUtc(parse.GetValue(now), "--now"), parse.GetValue(authStrength));
            await console.Out.WriteLineAsync(CoreJson.SerializeSummary(set.Evaluate(input), indented: true));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Test(CliConsole console)
    {
        var path = new Argument<string>("dir") { Description = "A policy directory with *.tests.yaml files beside the policies." };
        var command = new Command("test", "Run the policy tests beside a policy set; print failures and 'N passed, M failed'. Exit 1 on any failure.") { path };
        command.SetAction((parse, ct) => ApprovalsCli.Guard(console, async () =>
        {
            string dir = parse.GetRequiredValue(path);
            IReadOnlyList<PolicySource> sources = PolicyFiles.ReadSet(dir);
            if (!PolicySet.TryLoad(sources, out PolicySet? set, out IReadOnlyList<PolicyDiagnostic> diagnostics))
            {
                foreach (PolicyDiagnostic diagnostic in diagnostics)
                {
                    await console.Out.WriteLineAsync(diagnostic.ToString());
                }

                await console.Out.WriteLineAsync("0 passed, 1 failed");
                return ExitCodes.Problems;
            }

            IReadOnlyList<PolicySource> tests = PolicyFiles.ReadTests(dir);
            if (tests.Count == 0)
            {
                await console.Error.WriteLineAsync($"approvals: warning: no *.tests.yaml files in {dir}");
            }

            PolicyTestRun run = PolicyTestRunner.Run(set!, tests);
            foreach (PolicyTestResult result in run.Results.Where(r => !r.Passed))
            {
                await console.Out.WriteLineAsync($"FAIL {result.At}: {result.Name}");
                foreach (string failure in result.Failures)
                {
                    await console.Out.WriteLineAsync($"  {failure}");
                }
            }

            await console.Out.WriteLineAsync($"{run.Passed} passed, {run.Failed} failed");
            return run.Failed == 0 ? ExitCodes.Ok : ExitCodes.Problems;
        }));
        return command;
    }
}
