using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Receipts;
using Microsoft.Extensions.AI;

namespace ApprovalFunctions.Client;

/// <summary>How a tool's calls become actions.</summary>
public sealed class ApprovalRequiredFunctionOptions
{
    /// <summary>The action type; default <c>tool.{name}</c>.</summary>
    public string? ActionType { get; set; }

    /// <summary>The region of the data the tool touches (<c>data.sourceRegion</c>); default: the host's default region.</summary>
    public string? Region { get; set; }

    /// <summary>The target environment (<c>target.environment</c>), for policies that look at it.</summary>
    public string? Environment { get; set; }

    /// <summary>Who the agent acts for (<c>requester.id</c>): they may not approve it.</summary>
    public string? RequesterId { get; set; }

    /// <summary>How long a call waits for a decision before answering "awaiting approval" (capped by the host).</summary>
    public TimeSpan Wait { get; set; } = TimeSpan.Zero;
}

/// <summary>
/// Puts an <see cref="AIFunction"/> behind an approval: every call becomes an action (its arguments as the parameters,
/// keyed by them, so the same call is the same action), and the inner function runs only when the action is released,
/// with exactly the approved arguments, once per receipt (verified against the host's keys). Denials, rejections and
/// expiries come back as a result the model can read; a pending approval as "awaiting approval" with the id and the
/// review link, and a later call with the same arguments after the release runs it. Use it in a
/// <c>ChatClientBuilder.UseFunctionInvocation()</c> pipeline like any tool.
/// </summary>
public sealed class ApprovalRequiredFunction(AIFunction inner, ApprovalsClient approvals, ApprovalRequiredFunctionOptions? options = null)
    : DelegatingAIFunction(inner)
{
    private readonly ApprovalRequiredFunctionOptions _options = options ?? new ApprovalRequiredFunctionOptions();

    /// <summary>For each call (by its key), the key of its current request: a call that ran needs a new approval next time.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _generations = new(StringComparer.Ordinal);

    /// <inheritdoc />
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        string call = CallKey(arguments);
        string key = _generations.GetOrAdd(call, call);
        string action = Action(arguments, key);
        ApprovalStatus status = await approvals.SubmitAsync(action, _options.Wait, cancellationToken: cancellationToken).ConfigureAwait(false);
        status = await PolicyDecidedAsync(status, cancellationToken).ConfigureAwait(false);
        if (status.Outcome != "released")
        {
            return Describe(status);
        }

        ReceiptVerification receipt = await approvals.VerifyReceiptAsync(status, action, cancellationToken).ConfigureAwait(false);
        if (receipt.IsValid || receipt.Failure == ReceiptFailure.AlreadyUsed)
        {
            // Spent: the same call asks anew next time, under a key derived from this one and its receipt.
            _generations.TryUpdate(call, Hash(key + "\n" + status.ReceiptId), key);
        }

        if (!receipt.IsValid)
        {
            return new JsonObject
            {
                ["status"] = receipt.Failure == ReceiptFailure.AlreadyUsed ? "alreadyExecuted" : "receiptRefused",
                ["actionId"] = status.Id,
                ["message"] = receipt.Failure == ReceiptFailure.AlreadyUsed
                    ? "This exact call was approved once and has already run; calling again asks for a new approval."
                    : "The approval's receipt did not verify, so the tool did not run: " + receipt.Message,
            };
        }

        return await base.InvokeCoreAsync(arguments, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The status once the policy has spoken: a host that evaluates asynchronously (the Functions app) may answer
    /// <c>received</c> first, and "awaiting approval" would then be wrong for an action the policy allows or denies.
    /// </summary>
    private async Task<ApprovalStatus> PolicyDecidedAsync(ApprovalStatus status, CancellationToken cancellationToken)
    {
        TimeSpan delay = TimeSpan.FromMilliseconds(100);
        for (int attempt = 0; attempt < 20 && !status.Finished && status.Status == "received"; attempt++)
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
            status = await approvals.GetAsync(status.Id, cancellationToken).ConfigureAwait(false);
        }

        // Allowed actions are released a moment after the policy decided: wait for that rather than answer pending.
        return status is { Finished: false, Status: not "pendingApproval" }
            ? await approvals.WaitAsync(status.Id, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false)
            : status;
    }

    /// <summary>
    /// The key of a call: the tool, the action settings and the canonical arguments, so the same call is the same
    /// request and two differently configured wrappers of one tool never share one.
    /// </summary>
    private string CallKey(AIFunctionArguments arguments) =>
        Hash(string.Join("\n", Name, _options.ActionType, _options.Environment, _options.Region, _options.RequesterId, Canonical(Parameters(arguments))));

    private static JsonObject Parameters(AIFunctionArguments arguments)
    {
        var parameters = new JsonObject();
        foreach ((string name, object? value) in arguments.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            parameters[name] = value is null ? null : JsonSerializer.SerializeToNode(value, AIJsonUtilities.DefaultOptions);
        }

        return parameters;
    }

    private static string Canonical(JsonObject parameters) => JsonCanonicalizer.CanonicalizeToString(JsonSerializer.SerializeToElement(parameters));

    private static string Hash(string text) => "tool-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..40];

    /// <summary>The action of a call: the tool's arguments as parameters, under the request key <paramref name="key"/>.</summary>
    private string Action(AIFunctionArguments arguments, string key)
    {
        JsonObject parameters = Parameters(arguments);
        string canonical = Canonical(parameters);
        string summary = $"{Name}({(canonical.Length > 400 ? canonical[..400] + "…" : canonical)})";
        var action = new JsonObject
        {
            ["type"] = _options.ActionType ?? "tool." + Name,
            ["summary"] = summary,
            ["intent"] = Description is { Length: > 0 } description ? description : null,
            ["parameters"] = parameters,
            ["idempotencyKey"] = key,
        };
        if (_options.RequesterId is string requester)
        {
            action["requester"] = new JsonObject { ["id"] = requester };
        }

        if (_options.Environment is string environment)
        {
            action["target"] = new JsonObject { ["environment"] = environment };
        }

        if (_options.Region is string region)
        {
            action["data"] = new JsonObject { ["sourceRegion"] = region };
        }

        return action.ToJsonString();
    }

    /// <summary>What the model reads when the tool did not run: the outcome, why, who decided, or what it waits for.</summary>
    private static JsonObject Describe(ApprovalStatus status) => status.Finished
        ? new JsonObject
        {
            ["status"] = "notApproved",
            ["outcome"] = status.Outcome,
            ["reason"] = status.Reason,
            ["policyReasons"] = new JsonArray([.. status.Reasons.Select(r => (JsonNode?)r)]),
            ["actionId"] = status.Id,
            ["message"] = $"The tool did not run: the request was {status.Outcome}.",
        }
        : new JsonObject
        {
            ["status"] = "awaitingApproval",
            ["actionId"] = status.Id,
            ["awaiting"] = new JsonArray([.. status.Awaiting.Select(a => (JsonNode?)a)]),
            ["deadline"] = status.Deadline,
            ["reviewUrl"] = status.ReviewUrl,
            ["message"] = "The call needs a human approval. It runs when you call the tool again with the same arguments after it is approved.",
        };
}
