using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Process;

namespace ApprovalFunctions.Core.Api;

/// <summary>A released action's receipt, as its status shows it to the agent, executors and auditors.</summary>
/// <param name="ReceiptId">The single-use id.</param>
/// <param name="ExpiresAt">When it expires.</param>
/// <param name="Jws">The signed receipt.</param>
public sealed record ReceiptReference(string ReceiptId, DateTimeOffset ExpiresAt, string Jws);

/// <summary>
/// The JSON documents of the HTTP API that both hosts serve (the gateway and the Functions app), built from process
/// state, so that agents and the portal see one contract whatever runs the process. Who may see what is the host's
/// call: it passes the receipt and the reviewer view only to those allowed to see them.
/// </summary>
public static class ActionDocuments
{
    /// <summary>The path of an action's status, <c>/api/actions/{id}</c>.</summary>
    public static string StatusPath(string actionId) => "/api/actions/" + Uri.EscapeDataString(Check.NotNullOrWhiteSpace(actionId));

    /// <summary>An action's status: status, outcome, decision, plan and tally, links; the receipt and reviewer view when given.</summary>
    public static JsonObject Status(ProcessState s, bool finished, Uri reviewUrl, ReceiptReference? receipt, string? reviewJson)
    {
        Check.NotNull(s);
        Check.NotNull(reviewUrl);
        ApprovalProcess process = ApprovalProcess.FromState(s);
        var view = new JsonObject
        {
            ["id"] = s.ActionId,
            ["status"] = CoreJson.Name(s.Status),
            ["outcome"] = s.Outcome is ProcessOutcome outcome ? CoreJson.Name(outcome) : null,
            ["reason"] = s.OutcomeReason,
            ["finished"] = finished,
            ["actionDigest"] = s.ActionDigest,
            ["region"] = s.Region,
            ["agent"] = new JsonObject { ["id"] = s.Agent.Id, ["owner"] = s.Agent.Owner },
            ["receivedAt"] = AuditRecord.FormatTime(s.ReceivedAt),
            ["decision"] = s.Decision is null ? null : JsonNode.Parse(CoreJson.SerializeSummary(s.Decision)),
            ["approval"] = Approval(s, process),
            ["links"] = new JsonObject
            {
                ["self"] = StatusPath(s.ActionId),
                ["audit"] = StatusPath(s.ActionId) + "/audit",
                ["review"] = reviewUrl.ToString(),
            },
        };

        if (receipt is not null)
        {
            view["receipt"] = new JsonObject
            {
                ["id"] = receipt.ReceiptId,
                ["expiresAt"] = AuditRecord.FormatTime(receipt.ExpiresAt),
                ["jws"] = receipt.Jws,
            };
        }

        if (reviewJson is not null)
        {
            view["review"] = JsonNode.Parse(reviewJson);
        }

        return view;
    }

    private static JsonObject? Approval(ProcessState s, ApprovalProcess process)
    {
        if (s.Decision?.Approval is null)
        {
            return null;
        }

        ApprovalTally tally = process.Tally();
        return new JsonObject
        {
            ["deadline"] = s.Deadline is DateTimeOffset deadline ? AuditRecord.FormatTime(deadline) : null,
            ["complete"] = tally.Complete,
            ["escalated"] = s.Escalated,
            ["requirements"] = new JsonArray([.. tally.Requirements.Select(r => (JsonNode)new JsonObject
            {
                ["approvers"] = new JsonArray([.. r.Approvers.Select(a => (JsonNode)a!)]),
                ["minApprovals"] = r.MinApprovals,
                ["approvedBy"] = new JsonArray([.. r.ApprovedBy.Select(a => (JsonNode)a!)]),
                ["stillNeeded"] = r.StillNeeded,
            })]),
            ["awaiting"] = new JsonArray([.. process.AwaitingDecisionFrom().Select(p => (JsonNode)new JsonObject { ["id"] = p.Id, ["displayName"] = p.DisplayName })]),
        };
    }

    /// <summary>Audit records as a timeline that approvers and agents may see: no action content, only what happened.</summary>
    public static JsonArray Timeline(IEnumerable<AuditRecord> records) =>
        new([.. records.Select(r => (JsonNode)new JsonObject
        {
            ["seq"] = r.Sequence,
            ["type"] = r.Type,
            ["time"] = AuditRecord.FormatTime(r.Time),
            ["status"] = r.Status,
            ["summary"] = Summary(r),
        })]);

    private static string Summary(AuditRecord r)
    {
        JsonElement c = r.Content;
        string? Text(string name) => c.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        string? Approver() => c.TryGetProperty("approver", out JsonElement a) && a.TryGetProperty("displayName", out JsonElement n) && n.ValueKind == JsonValueKind.String
            ? n.GetString() : c.TryGetProperty("approver", out a) && a.TryGetProperty("id", out n) ? n.GetString() : null;
        int Count(string name) => c.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Array ? v.GetArrayLength() : 0;
        return r.Type switch
        {
            AuditRecordTypes.Received => "received from the agent",
            AuditRecordTypes.Evaluated => "policy decided: " + (c.TryGetProperty("decision", out JsonElement d) && d.TryGetProperty("effect", out JsonElement e) ? e.GetString() : "?"),
            AuditRecordTypes.ApproversResolved => $"approvers resolved ({Count("requirements")} requirement(s))",
            AuditRecordTypes.Notified => $"{Text("kind")} notification to {Count("recipients")} approver(s)",
            AuditRecordTypes.Decision => $"{Approver()} chose to {Text("choice")}",
            AuditRecordTypes.DecisionRejected => $"a decision by {Approver()} was refused ({Text("reason")})",
            AuditRecordTypes.Reminder => $"reminder to {Count("people")} approver(s)",
            AuditRecordTypes.Escalated => $"escalated to {Count("people")} more approver(s)",
            AuditRecordTypes.TimedOut => $"deadline passed; policy chose to {Text("outcome")}",
            AuditRecordTypes.Released => "released to the executor with receipt " + Text("receiptId"),
            AuditRecordTypes.ReleaseFailed => "release attempt failed",
            AuditRecordTypes.Cancelled => "cancelled by the requesting agent",
            AuditRecordTypes.Completed => "completed: " + Text("outcome"),
            _ => r.Type,
        };
    }
}
