using System.Reflection;
using System.Text.Json.Nodes;
using ApprovalFunctions.Api.Actions;
using ApprovalFunctions.Api.Http;
using ApprovalFunctions.Api.Identity;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Api;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.AspNetCore.Http;

namespace ApprovalFunctions.Api;

/// <summary>The approver's inbox and history, the release feed, and the documents every endpoint builds.</summary>
public sealed partial class ApprovalsApi
{
    /// <summary><c>GET /api/approvals?status=pending|decided&amp;limit=100</c>: pending soonest deadline first, decided most recent first.</summary>
    public async Task<ApiResponse> InboxAsync(HttpRequest request, TokenCaller caller, CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        if (!Check.NotNull(caller).Is(TokenCallers.Approver))
        {
            return ApiProblems.Forbidden("The inbox needs the approver role (the Approvals.Decide scope).");
        }

        string status = request.Query["status"].FirstOrDefault() ?? "pending";
        if (status is not ("pending" or "decided"))
        {
            return ApiProblems.BadRequest("status", "must be pending or decided");
        }

        if (Number(request, "limit", 100) is not long limitAsked)
        {
            return ApiProblems.BadRequest("limit", "must be a whole number");
        }

        int limit = (int)Math.Clamp(limitAsked, 1, 500);
        IEnumerable<JsonObject> items = status == "pending"
            ? from action in await backend.PendingForAsync(caller, limit, cancellationToken).ConfigureAwait(false)
              where action.IsAwaitedBy(caller)
              orderby action.State.Deadline ?? DateTimeOffset.MaxValue
              select Pending(action)
            : from action in await backend.DecidedByAsync(caller, limit, cancellationToken).ConfigureAwait(false)
              let decided = Decided(action, caller)
              where decided is not null
              orderby decided.Value.At descending
              select decided.Value.Item;
        return ApiResponse.Json(new JsonObject
        {
            ["status"] = status,
            ["items"] = new JsonArray([.. items.Take(limit)]),
        });
    }

    /// <summary>
    /// <c>GET /api/releases?after=0&amp;limit=100</c>: executors read released actions in order. A host whose releases go
    /// elsewhere (the Functions app: a Service Bus queue) answers 501 naming where.
    /// </summary>
    public async Task<ApiResponse> ReleasesAsync(HttpRequest request, TokenCaller caller, CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        if (!Check.NotNull(caller).Is(TokenCallers.Executor))
        {
            return ApiProblems.Forbidden("The release feed needs the executor role.");
        }

        if (backend.ReleaseFeedElsewhere is string elsewhere)
        {
            return ApiProblems.Of(501, "release-feed-elsewhere", "This host has no release feed.", elsewhere);
        }

        if (Number(request, "after", 0) is not long after || after < 0)
        {
            return ApiProblems.BadRequest("after", "must be a whole number, 0 or more");
        }

        if (Number(request, "limit", 100) is not long limit)
        {
            return ApiProblems.BadRequest("limit", "must be a whole number");
        }

        IReadOnlyList<ReleaseItem> rows = await backend.ReleasesAsync(after, (int)Math.Clamp(limit, 1, 500), cancellationToken).ConfigureAwait(false);
        return ApiResponse.Json(new JsonObject
        {
            ["items"] = new JsonArray([.. rows.Select(r => (JsonNode)Release(r))]),
            ["next"] = rows.Count > 0 ? rows[^1].Seq : after,
        });
    }

    /// <summary>A release as the feed and the webhook carry it.</summary>
    public static JsonObject Release(ReleaseItem release) => new()
    {
        ["seq"] = Check.NotNull(release).Seq,
        ["actionId"] = release.ActionId,
        ["releasedAt"] = AuditRecord.FormatTime(release.ReleasedAt),
        ["receipt"] = new JsonObject
        {
            ["id"] = release.Receipt.ReceiptId,
            ["expiresAt"] = AuditRecord.FormatTime(release.Receipt.ExpiresAt),
            ["jws"] = release.Receipt.Jws,
        },
        ["action"] = JsonNode.Parse(release.Body),
    };

    /// <summary><c>GET /api/me</c>: who the host thinks the caller is (the portal shows it).</summary>
    public static ApiResponse Me(TokenCaller caller) => ApiResponse.Json(new JsonObject
    {
        ["id"] = Check.NotNull(caller).Id,
        ["displayName"] = caller.DisplayName,
        ["email"] = caller.Email,
        ["authStrength"] = caller.AuthStrength,
        ["roles"] = new JsonArray([.. caller.Roles.Order(StringComparer.Ordinal).Select(r => (JsonNode)r!)]),
    });

    /// <summary><c>GET /healthz</c>.</summary>
    public static ApiResponse Health() => ApiResponse.Json(new JsonObject { ["status"] = "ok" });

    /// <summary><c>GET /api/openapi.json</c>: the one contract of both hosts.</summary>
    public static ApiResponse OpenApi() => ApiResponse.RawJson(OpenApiDocument, StatusCodes.Status200OK);

    /// <summary>Any other path under <c>/api</c>: a problem, not an empty 404.</summary>
    public static ApiResponse UnknownEndpoint(HttpRequest request) =>
        ApiProblems.NotFound($"The endpoint {LogText.Quote(Check.NotNull(request).Method + " " + request.Path)}");

    /// <summary>The OpenAPI document as embedded in this assembly.</summary>
    public static string OpenApiDocument { get; } = ReadOpenApi();

    /// <summary>
    /// The status: the receipt for its agent, executors and auditors; the masked reviewer view for everyone but the
    /// agent; and, while a dependency is out, what the action waits for (no error details).
    /// </summary>
    private JsonObject Status(ActionSnapshot action, TokenCaller caller)
    {
        JsonObject status = ActionDocuments.Status(action.State, action.Finished, Settings.Review(action.Id),
            caller.MaySeeReceipt(action) ? action.Receipt : null, caller.IsAgentOf(action) ? null : Review(action));
        if (action.WaitingFor is DependencyWait wait)
        {
            status["waitingFor"] = new JsonObject
            {
                ["step"] = wait.Step,
                ["since"] = AuditRecord.FormatTime(wait.Since),
                ["retryAt"] = AuditRecord.FormatTime(wait.RetryAt),
                ["rounds"] = wait.Rounds,
            };
        }

        return status;
    }

    private JsonObject Pending(ActionSnapshot action) => new()
    {
        ["id"] = action.Id,
        ["deadline"] = action.State.Deadline is DateTimeOffset deadline ? AuditRecord.FormatTime(deadline) : null,
        ["review"] = Review(action) is string review ? JsonNode.Parse(review) : null,
        ["stillNeeded"] = ApprovalProcess.FromState(action.State).Tally().Requirements.Sum(r => r.StillNeeded),
        ["links"] = Links(action.Id),
    };

    /// <summary>A history entry and the decision's time when the caller approved or rejected the action; otherwise null.</summary>
    private (JsonObject Item, DateTimeOffset At)? Decided(ActionSnapshot action, TokenCaller caller)
    {
        ProcessState state = action.State;
        if (caller.DecisionOf(state) is not ((Vote vote, string choice)))
        {
            return null;
        }

        return (new JsonObject
        {
            ["id"] = action.Id,
            ["choice"] = choice,
            ["decidedAt"] = AuditRecord.FormatTime(vote.At),
            ["actionStatus"] = CoreJson.Name(state.Status),
            ["outcome"] = state.Outcome is ProcessOutcome outcome ? CoreJson.Name(outcome) : null,
            ["review"] = Review(action) is string review ? JsonNode.Parse(review) : null,
            ["links"] = Links(action.Id),
        }, vote.At);
    }

    /// <summary>The masked reviewer view as JSON (null until the policy decided).</summary>
    private string? Review(ActionSnapshot action) => action.Review ?? (action.State.Decision is null ? null : Reviewer(action).ToJson());

    private ReviewerView Reviewer(ActionSnapshot action) => services.Masker.Mask(action.Action(), action.State.Decision, action.State.Agent);

    private JsonObject Links(string actionId) => new()
    {
        ["self"] = ActionDocuments.StatusPath(actionId),
        ["review"] = Settings.Review(actionId).ToString(),
    };

    /// <summary>A whole-number query parameter; <paramref name="absent"/> when not given; null when malformed.</summary>
    private static long? Number(HttpRequest request, string name, long absent) =>
        request.Query[name].FirstOrDefault() is not string text ? absent
        : long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value) ? value
        : null;

    private static string ReadOpenApi()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("ApprovalFunctions.Api.openapi.json")
            ?? throw new InvalidOperationException("The OpenAPI document is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
