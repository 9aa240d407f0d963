using System.CommandLine;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;

namespace ApprovalFunctions.Gateway.Cli;

/// <summary><c>approvals mask --action &lt;file|-&gt; [--policy &lt;dir|file&gt;]</c>: print the reviewer view approvers would see.</summary>
internal static class MaskCommand
{
    public static Command Create(CliConsole console)
    {
        var actionPath = new Option<string>("--action") { Description = "An action request JSON file, or - for standard input.", Required = true };
        var policyPath = new Option<string?>("--policy") { Description = "A policy file or directory; its matching rules' mask paths apply." };
        var now = new Option<string?>("--now") { Description = "Evaluation time for the policy, ISO 8601 UTC (default: now)." };
        var agent = new Option<string>("--agent") { Description = "The calling agent's id.", DefaultValueFactory = _ => "cli" };
        var command = new Command("mask", "Print the masked reviewer view of an action as JSON.") { actionPath, policyPath, now, agent };
        command.SetAction((parse, ct) => ApprovalsCli.Guard(console, async () =>
        {
            ActionRequest action = await CliInput.ReadActionAsync(parse.GetRequiredValue(actionPath), console, ct);
            var identity = new AgentIdentity(parse.GetRequiredValue(agent));
            PolicyDecision? decision = parse.GetValue(policyPath) is string path
                ? CliInput.LoadPolicy(path).Evaluate(new PolicyInput(action, identity, CliInput.ParseUtc(parse.GetValue(now), "--now")))
                : null;
            ReviewerView view = new Masker().Mask(action, decision, identity);
            await console.Out.WriteLineAsync(view.ToJson(indented: true));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
