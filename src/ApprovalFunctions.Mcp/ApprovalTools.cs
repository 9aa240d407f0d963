using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalFunctions.Mcp;

/// <summary>
/// Approvals as MCP tools, for agents that act through MCP: <c>request_approval</c>, <c>get_approval</c> and
/// <c>cancel_approval</c>, each a call of the REST API (any host) through <see cref="ApprovalsClient"/>. Results carry
/// text for the model and <c>structuredContent</c> matching the tool's output schema; bad input and refusals are tool
/// errors naming the field, never protocol errors.
/// </summary>
public sealed class ApprovalTools(ApprovalsClient approvals)
{
    /// <summary>The longest <c>waitSeconds</c>.</summary>
    public const int MaxWaitSeconds = 60;

    private static readonly JsonElement OutputSchema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "id": { "type": "string" },
            "status": { "type": "string" },
            "outcome": { "type": ["string", "null"] },
            "finished": { "type": "boolean" },
            "reasons": { "type": "array", "items": { "type": "string" } },
            "awaiting": { "type": "array", "items": { "type": "string" } },
            "deadline": { "type": ["string", "null"] },
            "reviewUrl": { "type": ["string", "null"] },
            "receipt": { "type": ["object", "null"], "properties": { "id": { "type": "string" }, "jws": { "type": "string" } } }
          },
          "required": ["id", "status", "finished"]
        }
        """).RootElement.Clone();

    /// <summary>The three tools, on this instance.</summary>
    public IReadOnlyList<McpServerTool> All() => Create(_ => this);

    /// <summary>The three tools, each call on the instance <paramref name="target"/> makes for its request (per caller on HTTP).</summary>
    public static IReadOnlyList<McpServerTool> Create(Func<RequestContext<CallToolRequestParams>, ApprovalTools> target)
    {
        ArgumentNullException.ThrowIfNull(target);
        McpServerTool Tool(string method, McpServerToolCreateOptions options) =>
            McpServerTool.Create(typeof(ApprovalTools).GetMethod(method)!, request => target(request), options);
        return
        [
            Tool(nameof(RequestApprovalAsync), Options("request_approval", "Request approval for a privileged action",
                "Ask before doing something privileged. The policy allows, denies or asks people; returns the action id, status, the policy's reasons, who is awaited, the deadline, the review link, and on release the signed receipt to act with.", readOnly: false)),
            Tool(nameof(GetApprovalAsync), Options("get_approval", "Get an approval's status",
                "The status of an action requested before, by its id: the same document as request_approval.", readOnly: true)),
            Tool(nameof(CancelApprovalAsync), Options("cancel_approval", "Cancel a pending approval",
                "Withdraw an action that is still waiting for approval, by its id.", readOnly: false)),
        ];
    }

    /// <summary><c>request_approval</c>: the action request v1 fields, and how long to wait for the outcome.</summary>
    /// <param name="type">Required: the action type, dotted, for example <c>db.write.rows</c>.</param>
    /// <param name="summary">Required: one line a person reads to decide.</param>
    /// <param name="intent">Why the agent wants to do it.</param>
    /// <param name="requester">Who the agent acts for: <c>{ id, displayName }</c>.</param>
    /// <param name="target">What it acts on: <c>{ resource, environment }</c>.</param>
    /// <param name="data">The data it touches: <c>{ sourceRegion, destinationRegion, classification, recordCount }</c>.</param>
    /// <param name="parameters">The exact parameters it will act with.</param>
    /// <param name="risk">The agent's risk estimate: <c>{ score }</c>.</param>
    /// <param name="idempotencyKey">The same key and action is the same request.</param>
    /// <param name="waitSeconds">0–60: how long to wait for the outcome before answering.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<CallToolResult> RequestApprovalAsync(
        string? type = null, string? summary = null, string? intent = null, JsonElement? requester = null, JsonElement? target = null, JsonElement? data = null,
        JsonElement? parameters = null, JsonElement? risk = null, string? idempotencyKey = null, int waitSeconds = 0, CancellationToken cancellationToken = default)
    {
        // Checked here rather than by argument binding, so that a model that leaves a field out learns which.
        if (string.IsNullOrWhiteSpace(type) || string.IsNullOrWhiteSpace(summary))
        {
            return Error(string.IsNullOrWhiteSpace(type) ? "type" : "summary", "is required");
        }

        if (waitSeconds is < 0 or > MaxWaitSeconds)
        {
            return Error("waitSeconds", $"must be between 0 and {MaxWaitSeconds}");
        }

        var action = new JsonObject { ["type"] = type, ["summary"] = summary, ["intent"] = intent, ["idempotencyKey"] = idempotencyKey };
        foreach ((string name, JsonElement? value) in new[] { ("requester", requester), ("target", target), ("data", data), ("parameters", parameters), ("risk", risk) })
        {
            if (value is JsonElement element && element.ValueKind != JsonValueKind.Null)
            {
                action[name] = JsonNode.Parse(element.GetRawText());
            }
        }

        return await CallAsync(() => approvals.SubmitAsync(action.ToJsonString(), TimeSpan.FromSeconds(waitSeconds), cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary><c>get_approval</c>.</summary>
    /// <param name="id">The action id request_approval returned.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<CallToolResult> GetApprovalAsync(string id, CancellationToken cancellationToken = default) =>
        string.IsNullOrWhiteSpace(id) ? Task.FromResult(Error("id", "is required")) : CallAsync(() => approvals.GetAsync(id, cancellationToken));

    /// <summary><c>cancel_approval</c>.</summary>
    /// <param name="id">The action id request_approval returned.</param>
    /// <param name="reason">Why it is withdrawn.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<CallToolResult> CancelApprovalAsync(string id, string? reason = null, CancellationToken cancellationToken = default) =>
        string.IsNullOrWhiteSpace(id) ? Task.FromResult(Error("id", "is required")) : CallAsync(() => approvals.CancelAsync(id, reason, cancellationToken));

    /// <summary>The status as the tool result; the host's refusal as a tool error naming the fields.</summary>
    private static async Task<CallToolResult> CallAsync(Func<Task<ApprovalStatus>> call)
    {
        try
        {
            ApprovalStatus status = await call().ConfigureAwait(false);
            JsonObject document = Document(status);
            return new CallToolResult
            {
                Content = [new TextContentBlock { Text = Sentence(status) + "\n" + document.ToJsonString() }],
                StructuredContent = JsonSerializer.SerializeToElement(document),
            };
        }
        catch (ApprovalsException refused)
        {
            string fields = string.Join("; ", (refused.Problem["errors"]?.AsArray() ?? []).Select(e => $"{e?["field"]}: {e?["message"]}"));
            return new CallToolResult
            {
                IsError = true,
                Content = [new TextContentBlock { Text = fields.Length > 0 ? fields : refused.Message }],
            };
        }
    }

    private static JsonObject Document(ApprovalStatus status) => new()
    {
        ["id"] = status.Id,
        ["status"] = status.Status,
        ["outcome"] = status.Outcome,
        ["finished"] = status.Finished,
        ["reasons"] = new JsonArray([.. status.Reasons.Select(r => (JsonNode?)r)]),
        ["awaiting"] = new JsonArray([.. status.Awaiting.Select(a => (JsonNode?)a)]),
        ["deadline"] = status.Deadline,
        ["reviewUrl"] = status.ReviewUrl,
        ["receipt"] = status.ReceiptJws is string jws ? new JsonObject { ["id"] = status.ReceiptId, ["jws"] = jws } : null,
    };

    private static string Sentence(ApprovalStatus status) => status switch
    {
        { Outcome: "released" } => $"Approved: act now, with exactly the parameters you sent; the receipt is in the result ({status.Id}).",
        { Finished: true } => $"Not approved: the request was {status.Outcome}{(status.Reason is null ? "" : " — " + status.Reason)}. Do not act.",
        { Status: "pendingApproval" } => $"Waiting for {string.Join(", ", status.Awaiting)} until {status.Deadline}; check again with get_approval (id {status.Id}). Do not act yet.",
        _ => $"The policy is deciding; check again with get_approval (id {status.Id}). Do not act yet.",
    };

    private static CallToolResult Error(string field, string message) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = $"{field}: {message}" }],
    };

    private static McpServerToolCreateOptions Options(string name, string title, string description, bool readOnly) => new()
    {
        Name = name,
        Title = title,
        Description = description,
        ReadOnly = readOnly,
        Destructive = false,
        UseStructuredContent = true,
        OutputSchema = OutputSchema,
    };
}
