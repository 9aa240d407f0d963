using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Gateway.Hosting;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Gateway.Storage;

namespace ApprovalFunctions.Gateway.Api;

/// <summary>The JSON the API returns for actions, built from stored state for a given caller.</summary>
internal static class Views
{
    /// <summary>An action's status: what every party may see, plus the receipt for its agent and the reviewer view for its approvers.</summary>
    public static JsonObject Status(StoredAction stored, Caller caller, PublicUrls urls, ReleaseRow? release)
    {
        ProcessState s = stored.State;
        ApprovalProcess process = ApprovalProcess.FromState(s);
        var view = new JsonObject
        {
            ["id"] = stored.Id,
            ["status"] = CoreJson.Name(s.Status),
            ["outcome"] = s.Outcome is ProcessOutcome outcome ? CoreJson.Name(outcome) : null,
            ["reason"] = s.OutcomeReason,
            ["finished"] = stored.Finished,
            ["actionDigest"] = s.ActionDigest,
            ["region"] = s.Region,
            ["agent"] = new JsonObject { ["id"] = s.Agent.Id, ["owner"] = s.Agent.Owner },
            ["receivedAt"] = AuditRecord.FormatTime(s.ReceivedAt),
            ["decision"] = s.Decision is null ? null : JsonNode.Parse(CoreJson.SerializeSummary(s.Decision)),
            ["approval"] = Approval(s, process),
            ["links"] = new JsonObject
            {
                ["self"] = PublicUrls.Status(stored.Id),
                ["audit"] = PublicUrls.Status(stored.Id) + "/audit",
                ["review"] = urls.Review(stored.Id).ToString(),
            },
        };

        if (release is not null && (caller.Id == stored.AgentId || caller.Is(Roles.Executor) || caller.Is(Roles.Auditor)))
        {
            view["receipt"] = new JsonObject
            {
                ["id"] = release.ReceiptId,
                ["expiresAt"] = AuditRecord.FormatTime(release.ExpiresAt),
                ["jws"] = release.Receipt,
            };
        }

        if (stored.Review is not null && caller.Id != stored.AgentId)
        {
            view["review"] = JsonNode.Parse(stored.Review);
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
