using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Gateway.Audit;
using ApprovalFunctions.Gateway.Hosting;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Gateway.Logging;
using ApprovalFunctions.Gateway.Runner;
using ApprovalFunctions.Gateway.Storage;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Api;

/// <summary>
/// What the HTTP API does, independent of HTTP: submit, status, decide, cancel, audit, inbox and the release feed.
/// Endpoints only translate requests to these calls and results to responses.
/// </summary>
internal sealed class ActionService(
    ActionStore store,
    FileAuditStore audit,
    ActionLocks locks,
    StepExecutor executor,
    Core.Masking.Masker masker,
    RunnerSignal runner,
    ActionCompletions completions,
    PublicUrls urls,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<ActionService> logger)
{
    private const string IdAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>
    /// Submits an action. The idempotency key comes from the body's <c>idempotencyKey</c> or the <c>Idempotency-Key</c>
    /// header (they must agree when both are given); same key and body is the same action, same key and another body 409.
    /// </summary>
    public async Task<IResult> SubmitAsync(Caller agent, byte[] body, string? idempotencyHeader, TimeSpan? wait, CancellationToken cancellationToken)
    {
        GatewayOptions settings = options.Value;
        ActionParseResult parsed = ActionParser.Parse(body, settings.Limits);
        if (!parsed.IsValid)
        {
            return ProblemResponses.Result(parsed.Problem);
        }

        ActionRequest action = parsed.Action;
        if (idempotencyHeader is not null && (idempotencyHeader.Length is 0 or > 200 || idempotencyHeader.Any(char.IsControl)))
        {
            return ProblemResponses.BadRequest("Idempotency-Key", "the Idempotency-Key header must be 1 to 200 printable characters");
        }

        if (idempotencyHeader is not null && action.IdempotencyKey is not null && idempotencyHeader != action.IdempotencyKey)
        {
            return ProblemResponses.BadRequest("Idempotency-Key", "the Idempotency-Key header and the body's idempotencyKey differ");
        }

        string? idempotencyKey = action.IdempotencyKey ?? idempotencyHeader;
        string? region = action.Region ?? settings.DefaultRegion;
        if (region is null)
        {
            return Unprocessable("data.sourceRegion", "the action names no region and the gateway has no default region, so its audit trail would have no home");
        }

        if (!audit.HasRegion(region))
        {
            return Unprocessable("data.sourceRegion", $"no audit store is configured for region {LogText.Quote(region)}; the action is refused (fail closed)");
        }

        for (int attempt = 0; attempt < 2; attempt++)
        {
            if (idempotencyKey is string key && await store.FindByIdempotencyKeyAsync(agent.Id, key, cancellationToken) is StoredAction existing)
            {
                return existing.Digest == action.Digest
                    ? await RespondAsync(existing.Id, agent, wait, created: false, cancellationToken)
                    : ProblemResponses.Conflict($"The idempotency key {LogText.Quote(key)} was already used for a different action.", "idempotencyKeyReused");
            }

            DateTimeOffset now = time.GetUtcNow();
            string id = "act_" + RandomNumberGenerator.GetString(IdAlphabet, 24);
            ApprovalProcess process = ApprovalProcess.Start(action, new ProcessStart(id, agent.AsAgent(), region, agent.AuthStrength, now));
            try
            {
                FinishedAction? finished;
                using (await locks.TryAcquireAsync(id, TimeSpan.FromSeconds(5), cancellationToken))
                {
                    finished = await executor.StartAsync(action, process, new NewAction(agent.Id, idempotencyKey, body), cancellationToken);
                }

                string type = LogText.Sanitize(action.Type, 100);
                Log.Submitted(logger, id, agent.Id, type);
                return finished is not null
                    ? new JsonResultWithLocation(Views.Status(finished.Action, agent, urls, finished.Release), StatusCodes.Status200OK, PublicUrls.Status(id))
                    : await RespondAsync(id, agent, wait, created: true, cancellationToken);
            }
            catch (IdempotencyKeyTakenException)
            {
                // Another request with the same idempotency key won the race: answer as it did.
            }
        }

        return ProblemResponses.Conflict("The idempotency key is in use by a concurrent request.", "idempotencyKeyReused");
    }

    private async Task<IResult> RespondAsync(string id, Caller caller, TimeSpan? wait, bool created, CancellationToken cancellationToken)
    {
        if (wait is TimeSpan w && w > TimeSpan.Zero)
        {
            // Listen before looking, so that a finish between the two is not missed.
            TimeSpan capped = w > options.Value.MaxWait ? options.Value.MaxWait : w;
            Task finished = completions.WaitAsync(id, capped, cancellationToken);
            StoredAction? current = await store.GetAsync(id, cancellationToken);
            if (current is not null && !current.Finished)
            {
                await finished;
            }
        }

        StoredAction stored = (await store.GetAsync(id, cancellationToken))!;
        completions.Forget(id);
        JsonObject view = Views.Status(stored, caller, urls, await ReleaseOfAsync(stored, cancellationToken));
        int status = stored.Finished ? StatusCodes.Status200OK : StatusCodes.Status202Accepted;
        return new JsonResultWithLocation(view, status, created || !stored.Finished ? PublicUrls.Status(id) : null);
    }

    public async Task<IResult> StatusAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        StoredAction? stored = await VisibleAsync(caller, id, cancellationToken);
        return stored is null
            ? ProblemResponses.NotFound($"Action {LogText.Quote(id)}")
            : Results.Json(Views.Status(stored, caller, urls, await ReleaseOfAsync(stored, cancellationToken)));
    }

    public async Task<IResult> DecideAsync(Caller approver, string id, DecisionBody body, string? idempotencyKey, string channel, CancellationToken cancellationToken)
    {
        DecisionOutcome outcome = await DecideCoreAsync(approver, id, body, idempotencyKey, channel, cancellationToken);
        return outcome switch
        {
            { Field: string field } => ProblemResponses.BadRequest(field, outcome.Message),
            { Status: 404 } => ProblemResponses.NotFound($"Action {LogText.Quote(id)}"),
            { Verdict: { Kind: VerdictKind.Refused } refused } => ProblemResponses.Result(outcome.Status, "urn:approval-functions:problem:decision-refused",
                "The decision was refused.", refused.Message, reason: CoreJson.Name(refused.Reason!.Value)),
            _ => Results.Json(new JsonObject
            {
                ["verdict"] = CoreJson.Name(outcome.Verdict!.Kind),
                ["message"] = outcome.Verdict.Message,
                ["decisionId"] = outcome.DecisionId,
                ["status"] = PublicUrls.Status(id),
            }),
        };
    }

    /// <summary>
    /// Validates and applies a decision for any channel (API, portal, Outlook): the approver's identity comes from their
    /// credentials, never from the body. The outcome carries the HTTP status each channel maps to its own answer.
    /// </summary>
    public async Task<DecisionOutcome> DecideCoreAsync(Caller approver, string id, DecisionBody body, string? idempotencyKey, string channel, CancellationToken cancellationToken)
    {
        if (Core.Api.DecisionInput.Validate(body.Decision, body.Comment, body.ActionDigest) is FieldError invalid)
        {
            return DecisionOutcome.Invalid(invalid.Field, invalid.Message);
        }

        // Missing, or nothing to do with this approver: the same 404, and nothing reaches the process.
        if (!ActionIds.IsValid(id) || await store.GetAsync(id, cancellationToken) is not StoredAction stored
            || !ApprovalProcess.FromState(stored.State).Concerns(approver.AsApprover()))
        {
            return new DecisionOutcome(404, null, "no such action", null, null);
        }

        // Idempotent per approver and key: a retried submission is the same decision.
        string decisionId = idempotencyKey is null
            ? "d_" + RandomNumberGenerator.GetHexString(24, lowercase: true)
            : Core.Api.DerivedIds.Decision(approver.Id, idempotencyKey);
        var decision = new DecisionReceived(decisionId, approver.AsApprover(), body.Decision == "approve" ? ApprovalChoice.Approve : ApprovalChoice.Reject,
            body.Comment, body.ActionDigest!, channel, time.GetUtcNow());
        DecisionVerdict verdict = await ApplyOrQueueAsync(id, decision, cancellationToken);
        string approverName = LogText.Sanitize(approver.Id, 64);
        string verdictName = CoreJson.Name(verdict.Kind) + (verdict.Reason is RefusalReason r ? ":" + CoreJson.Name(r) : string.Empty);
        Log.Decided(logger, id, approverName, verdictName);
        int status = verdict.Reason switch
        {
            null => 200,
            RefusalReason.SelfApproval or RefusalReason.AgentApproval or RefusalReason.OwnerApproval or RefusalReason.ManagerChain or RefusalReason.NotEligible => 403,
            _ => 409,
        };
        return new DecisionOutcome(status, null, verdict.Message, verdict, decisionId);
    }

    public async Task<IResult> CancelAsync(Caller agent, string id, string? reason, CancellationToken cancellationToken)
    {
        StoredAction? stored = await store.GetAsync(id, cancellationToken);
        if (stored is null || stored.AgentId != agent.Id)
        {
            return ProblemResponses.NotFound($"Action {LogText.Quote(id)}");
        }

        if (stored.State.Status is not (ProcessStatus.Received or ProcessStatus.PendingApproval))
        {
            return ProblemResponses.Conflict($"The action can only be cancelled while pending; it is {CoreJson.Name(stored.State.Status)}.", "notPending");
        }

        var cancel = new CancelRequested(agent.Id, reason is null ? null : LogText.Sanitize(reason, 500), time.GetUtcNow());
        using (IDisposable? held = await locks.TryAcquireAsync(id, TimeSpan.FromSeconds(5), cancellationToken))
        {
            StoredAction current = (await store.GetAsync(id, cancellationToken))!;
            ApprovalProcess process = ApprovalProcess.FromState(current.State);
            if (held is not null && process.Next() is AwaitDecisionStep)
            {
                process = process.Apply(cancel);
                await store.SaveAsync(new ActionSave(id, current.Version, process.State) { DueAt = time.GetUtcNow() }, time.GetUtcNow(), cancellationToken);
            }
            else if (current.State.Status is ProcessStatus.Received or ProcessStatus.PendingApproval)
            {
                await store.EnqueueAsync(id, cancel, time.GetUtcNow(), cancellationToken);
            }
            else
            {
                return ProblemResponses.Conflict($"The action can only be cancelled while pending; it is {CoreJson.Name(current.State.Status)}.", "notPending");
            }
        }

        runner.Wake(id);
        return await RespondAsync(id, agent, TimeSpan.FromSeconds(2), created: false, cancellationToken);
    }

    /// <summary>The Teams/portal card of the action (masked), as the channels get it: the portal renders the same JSON.</summary>
    public async Task<IResult> CardAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        StoredAction? stored = await VisibleAsync(caller, id, cancellationToken);
        if (stored is null)
        {
            return ProblemResponses.NotFound($"Action {LogText.Quote(id)}");
        }

        ProcessState state = stored.State;
        ActionRequest action = ActionParser.Parse(stored.Body, ActionLimits.Stored).Action!;
        Core.Masking.ReviewerView view = masker.Mask(action, state.Decision, state.Agent);
        return Results.Json(Core.Cards.ApprovalCards.Teams(view, Core.Cards.CardContext.For(urls.Review(id), state)));
    }

    public async Task<IResult> AuditAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        StoredAction? stored = await VisibleAsync(caller, id, cancellationToken);
        if (stored is null)
        {
            return ProblemResponses.NotFound($"Action {LogText.Quote(id)}");
        }

        // The region's store, and what the audit writer has not written there yet.
        IReadOnlyList<AuditRecord> written = audit.ReadAction(stored.Region, stored.State.ReceivedAt, id);
        List<OutboxRow> waiting = await store.OutboxAsync(1000, id, cancellationToken);
        List<AuditRecord> records = [.. written.Concat(waiting.Select(w => AuditRecord.Parse(w.Record.Content)))
            .DistinctBy(r => r.Sequence).OrderBy(r => r.Sequence)];
        if (caller.Is(Roles.Auditor))
        {
            return Results.Json(new JsonObject
            {
                ["actionId"] = id,
                ["region"] = stored.Region,
                ["records"] = new JsonArray([.. records.Select(r => JsonNode.Parse(r.ToCanonicalJson()))]),
            });
        }

        return Results.Json(new JsonObject { ["actionId"] = id, ["timeline"] = Core.Api.ActionDocuments.Timeline(records) });
    }

    public async Task<IResult> InboxAsync(Caller approver, string status, int limit, CancellationToken cancellationToken)
    {
        limit = Math.Clamp(limit, 1, 500);
        if (status == "pending")
        {
            List<PendingRow> rows = await store.PendingForAsync(approver.PersonKeys, limit, cancellationToken);
            return Results.Json(new JsonObject
            {
                ["status"] = "pending",
                ["items"] = new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
                {
                    ["id"] = r.Id,
                    ["deadline"] = r.Deadline is DateTimeOffset d ? AuditRecord.FormatTime(d) : null,
                    ["review"] = JsonNode.Parse(r.Review),
                    ["stillNeeded"] = ApprovalProcess.FromState(r.State).Tally().Requirements.Sum(q => q.StillNeeded),
                    ["links"] = new JsonObject { ["self"] = PublicUrls.Status(r.Id), ["review"] = urls.Review(r.Id).ToString() },
                })]),
            });
        }

        if (status == "decided")
        {
            var rows = await store.DecidedByAsync(approver.PersonKeys, limit, cancellationToken);
            return Results.Json(new JsonObject
            {
                ["status"] = "decided",
                ["items"] = new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
                {
                    ["id"] = r.Action.Id,
                    ["choice"] = r.Choice,
                    ["decidedAt"] = AuditRecord.FormatTime(r.At),
                    ["actionStatus"] = CoreJson.Name(r.Action.State.Status),
                    ["outcome"] = r.Action.State.Outcome is ProcessOutcome o ? CoreJson.Name(o) : null,
                    ["review"] = r.Action.Review is null ? null : JsonNode.Parse(r.Action.Review),
                    ["links"] = new JsonObject { ["self"] = PublicUrls.Status(r.Action.Id), ["review"] = urls.Review(r.Action.Id).ToString() },
                })]),
            });
        }

        return ProblemResponses.BadRequest("status", "must be pending or decided");
    }

    public async Task<IResult> ReleasesAsync(long after, int limit, CancellationToken cancellationToken)
    {
        List<ReleaseRow> rows = await store.ReleasesAfterAsync(Math.Max(0, after), Math.Clamp(limit, 1, 500), cancellationToken);
        return Results.Json(new JsonObject
        {
            ["items"] = new JsonArray([.. rows.Select(r => (JsonNode)Release(r))]),
            ["next"] = rows.Count > 0 ? rows[^1].Seq : Math.Max(0, after),
        });
    }

    public static JsonObject Release(ReleaseRow r) => new()
    {
        ["seq"] = r.Seq,
        ["actionId"] = r.ActionId,
        ["releasedAt"] = AuditRecord.FormatTime(r.ReleasedAt),
        ["receipt"] = new JsonObject { ["id"] = r.ReceiptId, ["expiresAt"] = AuditRecord.FormatTime(r.ExpiresAt), ["jws"] = r.Receipt },
        ["action"] = JsonNode.Parse(r.Body),
    };

    /// <summary>
    /// Applies a decision at once when the process is waiting for one (the verdict is then exact), and otherwise queues it
    /// for the runner, answering with the verdict the current state gives.
    /// </summary>
    private async Task<DecisionVerdict> ApplyOrQueueAsync(string id, DecisionReceived decision, CancellationToken cancellationToken)
    {
        using IDisposable? held = await locks.TryAcquireAsync(id, TimeSpan.FromSeconds(2), cancellationToken);
        StoredAction current = (await store.GetAsync(id, cancellationToken))!;
        ApprovalProcess process = ApprovalProcess.FromState(current.State);
        DecisionVerdict verdict = process.Judge(decision);
        if (verdict.Kind == VerdictKind.Duplicate)
        {
            return verdict;
        }

        if (held is not null && process.Next() is AwaitDecisionStep or FinishStep)
        {
            ApprovalProcess next = process.Apply(decision);
            DateTimeOffset now = time.GetUtcNow();
            await store.SaveAsync(new ActionSave(id, current.Version, next.State)
            {
                DueAt = now,
                Eligible = next.State.Status == ProcessStatus.PendingApproval
                    ? ActionSave.EligibleKeys(next.AwaitingDecisionFrom())
                    : null,
                Rejections = decision.Choice == ApprovalChoice.Reject && verdict.Kind == VerdictKind.Accepted ? [(decision.Approver.Id, decision.At)] : [],
            }, now, cancellationToken);
        }
        else
        {
            await store.EnqueueAsync(id, decision, time.GetUtcNow(), cancellationToken);
        }

        runner.Wake(id);
        return verdict;
    }

    /// <summary>The action, if the caller may see it: its agent, its approvers, auditors.</summary>
    private async Task<StoredAction?> VisibleAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        if (!ActionIds.IsValid(id))
        {
            return null;
        }

        StoredAction? stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            return null;
        }

        if (caller.Is(Roles.Auditor) || (caller.Is(Roles.Agent) && stored.AgentId == caller.Id))
        {
            return stored;
        }

        bool approver = caller.Is(Roles.Approver) && ApprovalProcess.FromState(stored.State).EligibleApprovers()
            .Any(p => string.Equals(p.Id, caller.Id, StringComparison.OrdinalIgnoreCase)
                || (caller.Email is not null && string.Equals(p.Email, caller.Email, StringComparison.OrdinalIgnoreCase)));
        return approver ? stored : null;
    }

    private async Task<ReleaseRow?> ReleaseOfAsync(StoredAction stored, CancellationToken cancellationToken)
    {
        if (stored.State.ReceiptId is null)
        {
            return null;
        }

        // The feed is ordered by sequence; finding one action's release is a small indexed lookup via the unique action_id.
        List<ReleaseRow> rows = await store.ReleaseOfAsync(stored.Id, cancellationToken);
        return rows.FirstOrDefault();
    }

    private static IResult Unprocessable(string field, string message) =>
        ProblemResponses.Result(422, "urn:approval-functions:problem:unprocessable-action", "The action cannot be accepted.", $"{field}: {message}", [new FieldError(field, message)]);

    private sealed class JsonResultWithLocation(JsonObject body, int status, string? location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (location is not null)
            {
                httpContext.Response.Headers.Location = location;
            }

            return Results.Json(body, statusCode: status).ExecuteAsync(httpContext);
        }
    }
}

/// <summary>The body of <c>POST /api/actions/{id}/decisions</c>. The approver's identity comes from their credentials, never from here.</summary>
internal sealed record DecisionBody(string? Decision, string? Comment, string? ActionDigest);

/// <summary>The body of <c>POST /api/actions/{id}/cancel</c>.</summary>
internal sealed record CancelBody(string? Reason);

/// <summary>What became of a decision: a bad request (naming the field), no such action, or the process's verdict.</summary>
internal sealed record DecisionOutcome(int Status, string? Field, string Message, DecisionVerdict? Verdict, string? DecisionId)
{
    public static DecisionOutcome Invalid(string field, string message) => new(400, field, message, null, null);
}
