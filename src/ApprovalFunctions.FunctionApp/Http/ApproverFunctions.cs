using System.Text.Json.Nodes;
using ApprovalFunctions.FunctionApp.Identity;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace ApprovalFunctions.FunctionApp.Http;

/// <summary>
/// The approver's inbox and history (<c>GET /api/approvals</c>) and who the caller is (<c>GET /api/me</c>), with the
/// gateway's documents. The Functions app keeps no index besides the task hub: the inbox reads the running
/// instances' custom status (the process state), and the history the instances of the last <see cref="HistoryWindow"/>.
/// </summary>
public sealed class ApproverFunctions(ActionResponses responses, ProcessLookup lookup, TimeProvider time)
{
    /// <summary>How far back the history looks.</summary>
    public static readonly TimeSpan HistoryWindow = TimeSpan.FromDays(30);

    /// <summary><c>GET /api/approvals?status=pending|decided&amp;limit=100</c>.</summary>
    [Function(nameof(ListApprovals))]
    public async Task<IActionResult> ListApprovals(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/approvals")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        TokenCaller caller = AuthenticationMiddleware.Caller(context);
        if (!caller.Roles.Contains(TokenCallers.Approver))
        {
            return HttpResults.Forbidden("The inbox needs the Approvals.Decide scope.");
        }

        string status = request.Query["status"].FirstOrDefault() ?? "pending";
        if (status is not ("pending" or "decided"))
        {
            return HttpResults.BadRequest("status", "must be pending or decided");
        }

        int limit = 100;
        if (request.Query["limit"].FirstOrDefault() is string limitText && !int.TryParse(limitText, out limit))
        {
            return HttpResults.BadRequest("limit", "must be a whole number");
        }

        limit = Math.Clamp(limit, 1, 500);
        bool pending = status == "pending";
        var query = new OrchestrationQuery(
            CreatedFrom: pending ? null : time.GetUtcNow() - HistoryWindow,
            Statuses: pending ? [OrchestrationRuntimeStatus.Running] : [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Completed],
            InstanceIdPrefix: "act_",
            FetchInputsAndOutputs: true);

        var items = new List<(DateTimeOffset Key, JsonObject Item)>();
        await foreach (OrchestrationMetadata metadata in client.GetAllInstancesAsync(query).WithCancellation(context.CancellationToken))
        {
            if (metadata.Name != nameof(ApprovalOrchestrator) || await lookup.FromAsync(metadata, context.CancellationToken) is not ProcessView view)
            {
                continue;
            }

            if (pending && responses.Pending(view, caller) is JsonObject entry)
            {
                items.Add((view.State.Deadline ?? DateTimeOffset.MaxValue, entry));
            }
            else if (!pending && responses.Decided(view, caller) is (JsonObject decided, DateTimeOffset at))
            {
                items.Add((at, decided));
            }
        }

        // Pending: soonest deadline first, as the gateway orders its inbox. Decided: most recent decision first.
        IEnumerable<(DateTimeOffset Key, JsonObject Item)> ordered = pending ? items.OrderBy(i => i.Key) : items.OrderByDescending(i => i.Key);
        return HttpResults.Json(new JsonObject
        {
            ["status"] = status,
            ["items"] = new JsonArray([.. ordered.Take(limit).Select(i => (JsonNode)i.Item)]),
        });
    }

    /// <summary><c>GET /api/me</c>: who the app thinks the caller is (the portal shows it).</summary>
    [Function(nameof(Me))]
    public IActionResult Me(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/me")] HttpRequest request,
        FunctionContext context)
    {
        TokenCaller caller = AuthenticationMiddleware.Caller(context);
        return HttpResults.Json(new JsonObject
        {
            ["id"] = caller.Id,
            ["displayName"] = caller.DisplayName,
            ["email"] = caller.Email,
            ["authStrength"] = caller.AuthStrength,
            ["roles"] = new JsonArray([.. caller.Roles.Order(StringComparer.Ordinal).Select(r => (JsonNode)r!)]),
        });
    }
}
