using System.Text.Json.Nodes;
using ApprovalFunctions.Client;
using Microsoft.Extensions.AI;

namespace AgentWithApprovals;

/// <summary>
/// The agent: a chat pipeline with function invocation and two tools, the row write behind an approval. It asks once;
/// if a person has to approve, it prints where, waits for the decision, and asks again (the approved call then runs).
/// </summary>
public static class SampleAgent
{
    /// <summary>Runs the conversation; returns the agent's last answer. Progress goes to <paramref name="output"/>.</summary>
    public static async Task<string> RunAsync(ApprovalsClient approvals, string region, TextWriter output, TimeSpan approvalTimeout, CancellationToken cancellationToken = default)
    {
        AIFunction lookup = AIFunctionFactory.Create((string email) => $"customer {email}: 3 open orders", "lookup_customer", "Looks up a customer.");
        AIFunction write = AIFunctionFactory.Create((string table, int rows) => $"wrote {rows} rows to {table}", "write_rows", "Writes rows to a production table.");
        var gated = new ApprovalRequiredFunction(write, approvals, new ApprovalRequiredFunctionOptions
        {
            ActionType = "db.write.rows",
            Environment = "production",
            Region = region,
        });
        using IChatClient chat = new ChatClientBuilder(new ScriptedChatClient()).UseFunctionInvocation().Build();
        var options = new ChatOptions { Tools = [lookup, gated] };

        for (int attempt = 1; ; attempt++)
        {
            ChatResponse response = await chat.GetResponseAsync("Fix 12 rows in orders for dana@contoso.com", options, cancellationToken);
            JsonObject? pending = response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>()
                .Select(r => r.Result is JsonObject o ? o : r.Result is System.Text.Json.JsonElement e ? JsonNode.Parse(e.GetRawText()) as JsonObject : null)
                .FirstOrDefault(o => o?["status"]?.GetValue<string>() == "awaitingApproval");
            await output.WriteLineAsync($"agent ({attempt}): {response.Text}");
            if (pending is null || attempt > 1)
            {
                return response.Text;
            }

            string id = pending["actionId"]!.GetValue<string>();
            await output.WriteLineAsync($"waiting for approval of {id}: {pending["reviewUrl"]}");
            ApprovalStatus decided = await approvals.WaitAsync(id, approvalTimeout, cancellationToken);
            await output.WriteLineAsync($"decision: {decided.Outcome ?? decided.Status}");
        }
    }
}
