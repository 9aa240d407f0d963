using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Api;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.FunctionApp.Identity;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.Microsoft365.Identity;
using DurableTask.Core.Exceptions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace ApprovalFunctions.FunctionApp.Http;

/// <summary>
/// The action endpoints, with the gateway's contract: submit (optionally waiting for the result), status, decisions,
/// cancel, audit and card. Agents get their own status URL, never Durable's management URLs (which carry the system key).
/// </summary>
public sealed class ActionFunctions(ApprovalsOptions options, ActionResponses responses, ProcessLookup lookup, IAuditStore audit, TimeProvider time)
{
    private const string IdAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>Every status an existing instance can have: a resubmission never starts the process again.</summary>
    private static readonly OrchestrationRuntimeStatus[] Existing =
    [
        OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended,
        OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated,
    ];

    /// <summary><c>POST /api/actions[?wait=PT5S]</c>.</summary>
    [Function(nameof(SubmitAction))]
    public async Task<IActionResult> SubmitAction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/actions")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        TokenCaller caller = AuthenticationMiddleware.Caller(context);
        CancellationToken cancellationToken = context.CancellationToken;
        if (!caller.Roles.Contains(TokenCallers.Agent))
        {
            return HttpResults.Forbidden("Submitting actions needs the agent role.");
        }

        TimeSpan? wait = null;
        if (request.Query["wait"].FirstOrDefault() is string waitText)
        {
            if (!IsoDuration.TryParse(waitText, out TimeSpan asked))
            {
                return HttpResults.BadRequest("wait", "must be an ISO 8601 duration such as PT5S");
            }

            wait = asked > options.MaxWait ? options.MaxWait : asked;
        }

        (byte[]? body, Problem? tooLarge) = await RequestBodies.ReadAsync(request, options.MaxBodyBytes, cancellationToken);
        if (tooLarge is not null)
        {
            return HttpResults.Problem(tooLarge);
        }

        ActionParseResult parsed = ActionParser.Parse(body!, options.Limits);
        if (!parsed.IsValid)
        {
            return HttpResults.Problem(parsed.Problem);
        }

        ActionRequest action = parsed.Action;
        string? header = request.Headers["Idempotency-Key"].FirstOrDefault();
        if (header is not null && action.IdempotencyKey is not null && header != action.IdempotencyKey)
        {
            return HttpResults.BadRequest("Idempotency-Key", "the Idempotency-Key header and the body's idempotencyKey differ");
        }

        string? key = action.IdempotencyKey ?? header;
        string? region = action.Region ?? options.DefaultRegion;
        if (region is null || !options.AuditContainers.ContainsKey(region))
        {
            string why = region is null
                ? "the action names no region and the app has no default region, so its audit trail would have no home"
                : $"no audit store is configured for region {LogText.Quote(region)}; the action is refused (fail closed)";
            return HttpResults.Problem(422, "urn:approval-functions:problem:unprocessable-action", "The action cannot be accepted.",
                $"data.sourceRegion: {why}", errors: [new FieldError("data.sourceRegion", why)]);
        }

        // The same agent and key find the same instance: a retry returns the first result instead of a second process.
        string id = key is null ? "act_" + RandomNumberGenerator.GetString(IdAlphabet, 24) : DerivedIds.Action(caller.Id, key);
        var input = new ApprovalInput(id, Encoding.UTF8.GetString(body!), caller.Id, caller.Owner, caller.AuthStrength, region, time.GetUtcNow());

        // A keyed resubmission finds its instance first, so it never depends on the backend honouring dedupe statuses
        // (a backend that restarted a completed instance would release the action twice); the dedupe statuses still
        // settle two submissions racing each other.
        ProcessView? existing = key is null ? null : await lookup.LoadAsync(client, id, cancellationToken);
        bool created = false;
        if (existing is null)
        {
            try
            {
                await client.ScheduleNewOrchestrationInstanceAsync(
                    nameof(ApprovalOrchestrator), input, new StartOrchestrationOptions(id).WithDedupeStatuses(Existing), cancellationToken);
                created = true;
            }
            catch (OrchestrationAlreadyExistsException)
            {
                existing = await lookup.LoadAsync(client, id, cancellationToken);
            }
        }

        if (existing is not null && existing.State.ActionDigest != action.Digest)
        {
            return HttpResults.Conflict($"The idempotency key {LogText.Quote(key)} was already used for a different action.", "idempotencyKeyReused");
        }

        if (wait is TimeSpan w && w > TimeSpan.Zero)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(w);
            try
            {
                await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: false, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Not finished within the wait: answer 202 with the status URL.
            }
        }

        ProcessView view = await lookup.LoadAsync(client, id, cancellationToken) ?? ProcessView.From(input, null, running: false, finished: false);
        return HttpResults.Json(responses.Status(view, caller), view.Finished ? StatusCodes.Status200OK : StatusCodes.Status202Accepted,
            created || !view.Finished ? ActionDocuments.StatusPath(id) : null);
    }

    /// <summary><c>GET /api/actions/{id}</c>.</summary>
    [Function(nameof(GetAction))]
    public async Task<IActionResult> GetAction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/actions/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        TokenCaller caller = AuthenticationMiddleware.Caller(context);
        return await lookup.LoadVisibleAsync(client, id, caller, context.CancellationToken) is ProcessView view
            ? HttpResults.Json(responses.Status(view, caller))
            : ActionNotFound(id);
    }

    /// <summary><c>POST /api/actions/{id}/decisions</c>: the approver is who their token says, never the body.</summary>
    [Function(nameof(Decide))]
    public async Task<IActionResult> Decide(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/actions/{id}/decisions")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        TokenCaller caller = AuthenticationMiddleware.Caller(context);
        CancellationToken cancellationToken = context.CancellationToken;
        if (!caller.Roles.Contains(TokenCallers.Approver))
        {
            return HttpResults.Forbidden("Deciding needs the Approvals.Decide scope.");
        }

        DecisionBody? body = await RequestBodies.ReadJsonAsync<DecisionBody>(request, cancellationToken);
        if (body is null)
        {
            return HttpResults.BadRequest("$", "the body must be a JSON object { decision, comment, actionDigest }");
        }

        ProcessView? view = await lookup.LoadAsync(client, id, cancellationToken);
        if (view is null)
        {
            return ActionNotFound(id);
        }

        string channel = request.Headers["X-Approvals-Channel"].FirstOrDefault() == "portal" ? "portal" : "api";
        DecisionAnswer answer = ActionResponses.Decide(view, caller, body, request.Headers["Idempotency-Key"].FirstOrDefault(), channel, time.GetUtcNow());
        if (answer.Event is not null)
        {
            await client.RaiseEventAsync(id, ApprovalOrchestrator.EventName, CoreJson.Serialize(answer.Event), cancellationToken);
        }

        return answer.Response;
    }

    /// <summary><c>POST /api/actions/{id}/cancel</c>: its agent, while it is pending.</summary>
    [Function(nameof(CancelAction))]
    public async Task<IActionResult> CancelAction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/actions/{id}/cancel")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        TokenCaller caller = AuthenticationMiddleware.Caller(context);
        CancellationToken cancellationToken = context.CancellationToken;
        ProcessView? view = await lookup.LoadAsync(client, id, cancellationToken);
        if (view is null || !caller.Roles.Contains(TokenCallers.Agent) || view.State.Agent.Id != caller.Id)
        {
            return ActionNotFound(id);
        }

        if (!view.Running || view.State.Status is not (ProcessStatus.Received or ProcessStatus.PendingApproval))
        {
            return HttpResults.Conflict($"The action can only be cancelled while pending; it is {CoreJson.Name(view.State.Status)}.", "notPending");
        }

        CancelBody? body = request.ContentLength is > 0 ? await RequestBodies.ReadJsonAsync<CancelBody>(request, cancellationToken) : new CancelBody(null);
        if (body is null)
        {
            return HttpResults.BadRequest("$", "the body must be empty or a JSON object { reason }");
        }

        var cancel = new CancelRequested(caller.Id, body.Reason is null ? null : LogText.Sanitize(body.Reason, 500), time.GetUtcNow());
        await client.RaiseEventAsync(id, ApprovalOrchestrator.EventName, CoreJson.Serialize(cancel), cancellationToken);
        return HttpResults.Json(responses.Status(view, caller), StatusCodes.Status202Accepted, ActionDocuments.StatusPath(id));
    }

    /// <summary><c>GET /api/actions/{id}/audit</c>: full records for auditors, a timeline for the others who may see the action.</summary>
    [Function(nameof(GetAudit))]
    public async Task<IActionResult> GetAudit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/actions/{id}/audit")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        TokenCaller caller = AuthenticationMiddleware.Caller(context);
        if (await lookup.LoadVisibleAsync(client, id, caller, context.CancellationToken) is not ProcessView view)
        {
            return ActionNotFound(id);
        }

        IReadOnlyList<AuditRecord> records = await audit.ReadActionAsync(view.State.Region, view.State.ReceivedAt, id, context.CancellationToken);
        return caller.Roles.Contains(TokenCallers.Auditor)
            ? HttpResults.Json(new JsonObject
            {
                ["actionId"] = id,
                ["region"] = view.State.Region,
                ["records"] = new JsonArray([.. records.Select(r => JsonNode.Parse(r.ToCanonicalJson()))]),
            })
            : HttpResults.Json(new JsonObject { ["actionId"] = id, ["timeline"] = ActionDocuments.Timeline(records) });
    }

    /// <summary><c>GET /api/actions/{id}/card</c>: the card the channels get (the portal renders it).</summary>
    [Function(nameof(GetCard))]
    public async Task<IActionResult> GetCard(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/actions/{id}/card")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        TokenCaller caller = AuthenticationMiddleware.Caller(context);
        return await lookup.LoadVisibleAsync(client, id, caller, context.CancellationToken) is ProcessView view
            ? HttpResults.Json(responses.Card(view))
            : ActionNotFound(id);
    }

    /// <summary>Missing and not visible answer alike, so nobody learns that an action exists.</summary>
    private static IActionResult ActionNotFound(string id) => HttpResults.NotFound($"Action {LogText.Quote(id)}");
}
