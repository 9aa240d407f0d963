using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Outlook;

namespace ApprovalFunctions.Gateway.Cli;

/// <summary>
/// <c>approvals card --channel outlook|teams --action &lt;file|-&gt; [--policy &lt;dir|file&gt;]</c>: print the Adaptive Card
/// approvers would get, built from the masked reviewer view exactly as the gateway builds it. Paste the output into the
/// Adaptive Cards designer or the Actionable Messages playground to see it rendered.
/// </summary>
internal static class CardCommand
{
    public static Command Create(CliConsole console)
    {
        var channel = new Option<string>("--channel") { Description = "outlook (version 1.0, approve/reject in the message) or teams (version 1.5, review in the portal).", Required = true };
        channel.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is not ("outlook" or "teams"))
            {
                result.AddError("--channel must be outlook or teams");
            }
        });
        var actionPath = new Option<string>("--action") { Description = "An action request JSON file, or - for standard input.", Required = true };
        var policyPath = new Option<string?>("--policy") { Description = "A policy file or directory: its decision, reasons, plan and mask paths go on the card." };
        var now = new Option<string?>("--now") { Description = "Evaluation time, ISO 8601 UTC (default: now)." };
        var agent = new Option<string>("--agent") { Description = "The calling agent's id.", DefaultValueFactory = _ => "cli" };
        var baseUrl = new Option<string>("--base-url") { Description = "The gateway's public URL (links and the Outlook action target).", DefaultValueFactory = _ => "http://localhost:7071/" };
        var originator = new Option<string>("--originator") { Description = "The Actionable Messages provider id (Outlook).", DefaultValueFactory = _ => "00000000-0000-0000-0000-000000000000" };
        var recipient = new Option<string>("--recipient") { Description = "The recipient's e-mail address (Outlook's expected actor and the card token's subject).", DefaultValueFactory = _ => "approver@example.com" };
        var command = new Command("card", "Print the Adaptive Card for an action (Outlook or Teams) as JSON.")
        {
            channel, actionPath, policyPath, now, agent, baseUrl, originator, recipient,
        };
        command.SetAction((parse, ct) => ApprovalsCli.Guard(console, async () =>
        {
            ActionRequest action = await CliInput.ReadActionAsync(parse.GetRequiredValue(actionPath), console, ct);
            DateTimeOffset at = CliInput.ParseUtc(parse.GetValue(now), "--now");
            var identity = new AgentIdentity(parse.GetRequiredValue(agent));
            PolicyDecision? decision = parse.GetValue(policyPath) is string path ? CliInput.LoadPolicy(path).Evaluate(new PolicyInput(action, identity, at)) : null;
            if (!Uri.TryCreate(parse.GetRequiredValue(baseUrl), UriKind.Absolute, out Uri? site))
            {
                throw new CliInputException("--base-url must be an absolute URL");
            }

            site = new Uri(site.ToString().TrimEnd('/') + "/");
            ReviewerView view = new Masker().Mask(action, decision, identity);
            const string id = "act_preview000000000000000";
            ApprovalPlan? plan = decision?.Approval;
            var tally = new ApprovalTally([.. (plan?.Requirements ?? []).Select(r => new RequirementTally(r.Approvers, r.MinApprovals, [], r.MinApprovals))], false);
            var context = new CardContext(id, new Uri(site, "portal/review/" + id), at + (plan?.Timeout ?? TimeSpan.FromDays(1)), tally);
            JsonObject card = parse.GetRequiredValue(channel) == "teams"
                ? ApprovalCards.Teams(view, context)
                : ApprovalCards.Outlook(view, context, new OutlookCardAction(
                    new Uri(site, "api/outlook/" + id), parse.GetRequiredValue(originator),
                    // A real token, signed with a throw-away key: the shape and size are what Outlook will carry.
                    new CardTokens(RandomNumberGenerator.GetBytes(32), new InMemoryCardTokenLedger()).Issue(id, view.ActionDigest, parse.GetRequiredValue(recipient), 1, "ct_preview", at),
                    parse.GetRequiredValue(recipient)));
            await console.Out.WriteLineAsync(card.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
