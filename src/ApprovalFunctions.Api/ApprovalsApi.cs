using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ApprovalFunctions.Api.Actions;
using ApprovalFunctions.Api.Http;
using ApprovalFunctions.Api.Identity;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Api;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.AspNetCore.Http;

namespace ApprovalFunctions.Api;

/// <summary>
/// Every endpoint of the HTTP API, as both hosts serve it: parse and limit the request, authorize the caller, call the
/// process through the host's <see cref="ApprovalsBackend"/>, and answer with one status and document per outcome.
/// Hosts authenticate the caller and bind routes; nothing else about an endpoint is theirs.
/// </summary>
public sealed partial class ApprovalsApi(ApprovalsBackend backend, ApiServices services)
{
    private const string IdAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

    private ApiSettings Settings => services.Settings;

    /// <summary>A new random action id (<c>act_</c> and 24 base-36 characters) for hosts that need one.</summary>
    public static string NewActionId() => "act_" + RandomNumberGenerator.GetString(IdAlphabet, 24);

    /// <summary>
    /// <c>POST /api/actions[?wait=PT5S]</c>. The idempotency key comes from the body's <c>idempotencyKey</c> or the
    /// <c>Idempotency-Key</c> header (they must agree); same key and action is the same action, another action 409.
    /// </summary>
    public async Task<ApiResponse> SubmitAsync(HttpRequest request, TokenCaller caller, CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        if (!Check.NotNull(caller).Is(TokenCallers.Agent))
        {
            return ApiProblems.Forbidden("Submitting actions needs the agent role, which only app-only tokens (client credentials) or agent API keys carry; a user's token never does.");
        }

        (TimeSpan wait, ApiResponse? badWait) = Wait(request);
        if (badWait is not null)
        {
            return badWait;
        }

        string? header = request.Headers["Idempotency-Key"].FirstOrDefault();
        if (header is not null && (header.Length is 0 or > 200 || header.Any(char.IsControl)))
        {
            return ApiProblems.BadRequest("Idempotency-Key", "the Idempotency-Key header must be 1 to 200 printable characters");
        }

        (byte[]? body, ApiResponse? tooLarge) = await RequestReader.ReadAsync(request, Settings.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        ActionParseResult parsed = ActionParser.Parse(body!, Settings.Limits);
        if (!parsed.IsValid)
        {
            return ApiResponse.ForProblem(parsed.Problem);
        }

        return await StartAsync(caller, body!, parsed.Action, header, wait, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ApiResponse> StartAsync(TokenCaller agent, byte[] body, ActionRequest action, string? header, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (header is not null && action.IdempotencyKey is not null && header != action.IdempotencyKey)
        {
            return ApiProblems.BadRequest("Idempotency-Key", "the Idempotency-Key header and the body's idempotencyKey differ");
        }

        string? region = action.Region ?? Settings.DefaultRegion;
        if (region is null || !Settings.Regions.Contains(region))
        {
            return ApiProblems.Unprocessable("data.sourceRegion", region is null
                ? "the action names no region and the host has no default region, so its audit trail would have no home"
                : $"no audit store is configured for region {LogText.Quote(region)}; the action is refused (fail closed)");
        }

        string? key = action.IdempotencyKey ?? header;
        ActionStart start = await backend.StartAsync(new NewAction(agent, key, body, action, region, services.Time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        if (start.Existing is { } existing && existing.State.ActionDigest != action.Digest)
        {
            return ApiProblems.Conflict($"The idempotency key {LogText.Quote(key)} was already used for a different action.", "idempotencyKeyReused");
        }

        if (start.Existing is null)
        {
            string agentName = LogText.Sanitize(agent.Id, 64);
            string type = LogText.Sanitize(action.Type, 100);
            ApiLog.Submitted(services.Logger, start.Id, agentName, type);
        }

        return start.Finished is { Finished: true } finished
            ? ApiResponse.Json(Status(finished, agent), StatusCodes.Status200OK, ActionDocuments.StatusPath(start.Id))
            : await RespondAsync(start.Id, agent, wait, created: start.Existing is null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The status after waiting up to <paramref name="wait"/>: 200 when finished, else 202 with the status URL.</summary>
    private async Task<ApiResponse> RespondAsync(string id, TokenCaller caller, TimeSpan wait, bool created, CancellationToken cancellationToken)
    {
        if (wait > TimeSpan.Zero)
        {
            await backend.WaitAsync(id, wait, cancellationToken).ConfigureAwait(false);
        }

        ActionSnapshot action = await backend.FindAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The action {id} was started but cannot be found.");
        return ApiResponse.Json(Status(action, caller), action.Finished ? StatusCodes.Status200OK : StatusCodes.Status202Accepted,
            created || !action.Finished ? ActionDocuments.StatusPath(id) : null);
    }

    /// <summary>The <c>wait</c> query parameter, capped at the host's maximum; or the problem with it.</summary>
    private (TimeSpan Wait, ApiResponse? Problem) Wait(HttpRequest request)
    {
        if (request.Query["wait"].FirstOrDefault() is not string text)
        {
            return (TimeSpan.Zero, null);
        }

        return IsoDuration.TryParse(text, out TimeSpan asked)
            ? (asked > Settings.MaxWait ? Settings.MaxWait : asked, null)
            : (TimeSpan.Zero, ApiProblems.BadRequest("wait", "must be an ISO 8601 duration such as PT5S"));
    }

    /// <summary><c>GET /api/actions/{id}</c>.</summary>
    public async Task<ApiResponse> StatusAsync(TokenCaller caller, string id, CancellationToken cancellationToken) =>
        await VisibleAsync(caller, id, cancellationToken).ConfigureAwait(false) is ActionSnapshot action
            ? ApiResponse.Json(Status(action, caller))
            : ApiProblems.ActionNotFound(id);

    /// <summary><c>POST /api/actions/{id}/decisions</c>: the approver is who their credentials say, never the body.</summary>
    public async Task<ApiResponse> DecideAsync(HttpRequest request, TokenCaller caller, string id, CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        if (!Check.NotNull(caller).Is(TokenCallers.Approver))
        {
            return ApiProblems.Forbidden("Deciding needs the approver role (the Approvals.Decide scope).");
        }

        (DecisionBody? body, ApiResponse? problem) = await RequestReader.ReadJsonAsync<DecisionBody>(
            request, "the body must be a JSON object { decision, comment, actionDigest }", null, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        string channel = request.Headers["X-Approvals-Channel"].FirstOrDefault() == "portal" ? "portal" : "api";
        DecisionOutcome outcome = await DecideAsync(caller, id, body!, request.Headers["Idempotency-Key"].FirstOrDefault(), channel, cancellationToken).ConfigureAwait(false);
        return outcome.Response;
    }

    /// <summary>
    /// Validates and applies a decision for any channel (API, portal, Outlook). Missing actions and actions that do not
    /// concern the approver get the same 404, and nothing reaches the process.
    /// </summary>
    public async Task<DecisionOutcome> DecideAsync(TokenCaller approver, string id, DecisionBody body, string? idempotencyKey, string channel, CancellationToken cancellationToken)
    {
        Check.NotNull(approver);
        if (DecisionInput.Validate(Check.NotNull(body).Decision, body.Comment, body.ActionDigest) is FieldError invalid)
        {
            return new DecisionOutcome(ApiProblems.BadRequest(invalid.Field, invalid.Message), null, null, $"{invalid.Field}: {invalid.Message}");
        }

        if (await FindAsync(id, cancellationToken).ConfigureAwait(false) is not ActionSnapshot action
            || !ApprovalProcess.FromState(action.State).Concerns(approver.AsApprover()))
        {
            return new DecisionOutcome(ApiProblems.ActionNotFound(id), null, null, "This request no longer exists.");
        }

        // Idempotent per approver and key: a retried submission is the same decision.
        string decisionId = idempotencyKey is null ? "d_" + RandomNumberGenerator.GetHexString(24, lowercase: true) : DerivedIds.Decision(approver.Id, idempotencyKey);
        var decision = new DecisionReceived(decisionId, approver.AsApprover(), body.Decision == "approve" ? ApprovalChoice.Approve : ApprovalChoice.Reject,
            body.Comment, body.ActionDigest!, channel, services.Time.GetUtcNow());
        DecisionVerdict verdict = await backend.DecideAsync(action, decision, cancellationToken).ConfigureAwait(false);
        string verdictName = CoreJson.Name(verdict.Kind) + (verdict.Reason is RefusalReason r ? ":" + CoreJson.Name(r) : string.Empty);
        string approverName = LogText.Sanitize(approver.Id, 64);
        ApiLog.Decided(services.Logger, action.Id, approverName, verdictName);
        ApiResponse response = verdict.Kind == VerdictKind.Refused
            ? ApiProblems.DecisionRefused(verdict)
            : ApiResponse.Json(new JsonObject
            {
                ["verdict"] = CoreJson.Name(verdict.Kind),
                ["message"] = verdict.Message,
                ["decisionId"] = decisionId,
                ["status"] = ActionDocuments.StatusPath(action.Id),
            });
        return new DecisionOutcome(response, verdict, decision, verdict.Message);
    }

    /// <summary>
    /// The state <paramref name="decision"/> (just taken) leads to: the stored state when the host applied it already,
    /// else the state it will have once it does (every channel's answer shows where the request stands after a press).
    /// </summary>
    private static ProcessState StateAfter(ActionSnapshot action, DecisionReceived decision) =>
        action.State.DecisionIds.Contains(decision.DecisionId, StringComparer.Ordinal) ? action.State : ApprovalProcess.FromState(action.State).Apply(decision).State;

    /// <summary><c>POST /api/actions/{id}/cancel</c>: its agent, while it is pending; answers with the status after up to 2 s.</summary>
    public async Task<ApiResponse> CancelAsync(HttpRequest request, TokenCaller caller, string id, CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        if (!Check.NotNull(caller).Is(TokenCallers.Agent))
        {
            return ApiProblems.Forbidden("Cancelling needs the agent role.");
        }

        if (await FindAsync(id, cancellationToken).ConfigureAwait(false) is not ActionSnapshot action || !caller.IsAgentOf(action))
        {
            return ApiProblems.ActionNotFound(id);
        }

        (CancelBody? body, ApiResponse? problem) = await RequestReader.ReadJsonAsync(
            request, "the body must be empty or a JSON object { reason }", new CancelBody(null), cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var cancel = new CancelRequested(caller.Id, body!.Reason is null ? null : LogText.Sanitize(body.Reason, 500), services.Time.GetUtcNow());
        if (action.State.Status is not (ProcessStatus.Received or ProcessStatus.PendingApproval)
            || !await backend.CancelAsync(action, cancel, cancellationToken).ConfigureAwait(false))
        {
            ProcessStatus now = (await backend.FindAsync(id, cancellationToken).ConfigureAwait(false))?.State.Status ?? action.State.Status;
            return ApiProblems.Conflict($"The action can only be cancelled while pending; it is {CoreJson.Name(now)}.", "notPending");
        }

        return await RespondAsync(id, caller, TimeSpan.FromSeconds(2), created: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>GET /api/actions/{id}/audit</c>: full records for auditors, a timeline for the others who may see the action.</summary>
    public async Task<ApiResponse> AuditAsync(TokenCaller caller, string id, CancellationToken cancellationToken)
    {
        if (await VisibleAsync(caller, id, cancellationToken).ConfigureAwait(false) is not ActionSnapshot action)
        {
            return ApiProblems.ActionNotFound(id);
        }

        IReadOnlyList<AuditRecord> records = await backend.AuditAsync(action, cancellationToken).ConfigureAwait(false);
        return caller.Is(TokenCallers.Auditor)
            ? ApiResponse.Json(new JsonObject
            {
                ["actionId"] = action.Id,
                ["region"] = action.State.Region,
                ["records"] = new JsonArray([.. records.Select(r => JsonNode.Parse(r.ToCanonicalJson()))]),
            })
            : ApiResponse.Json(new JsonObject { ["actionId"] = action.Id, ["timeline"] = ActionDocuments.Timeline(records) });
    }

    /// <summary><c>GET /api/actions/{id}/card</c>: the masked card the channels get (the portal renders it).</summary>
    public async Task<ApiResponse> CardAsync(TokenCaller caller, string id, CancellationToken cancellationToken) =>
        await VisibleAsync(caller, id, cancellationToken).ConfigureAwait(false) is ActionSnapshot action
            ? ApiResponse.Json(ApprovalCards.Teams(Reviewer(action), CardContext.For(Settings.Review(action.Id), action.State)))
            : ApiProblems.ActionNotFound(id);

    /// <summary>The action when the caller may see it; null when it does not exist or is not theirs to see.</summary>
    private async Task<ActionSnapshot?> VisibleAsync(TokenCaller caller, string id, CancellationToken cancellationToken) =>
        await FindAsync(id, cancellationToken).ConfigureAwait(false) is ActionSnapshot action && Check.NotNull(caller).MaySee(action) ? action : null;

    /// <summary>The action; null for a malformed id (which no host stores) or a missing one.</summary>
    private async Task<ActionSnapshot?> FindAsync(string id, CancellationToken cancellationToken) =>
        ActionIds.IsValid(id) ? await backend.FindAsync(id, cancellationToken).ConfigureAwait(false) : null;
}

/// <summary>What became of a decision, for every channel: the API answer, the verdict and event (null when it never reached the process), and one line for channels that show one.</summary>
/// <param name="Response">The HTTP answer.</param>
/// <param name="Verdict">The process's verdict.</param>
/// <param name="Decision">The decision handed to the process.</param>
/// <param name="Message">A short message (Outlook shows it).</param>
public sealed record DecisionOutcome(ApiResponse Response, DecisionVerdict? Verdict, DecisionReceived? Decision, string Message);
