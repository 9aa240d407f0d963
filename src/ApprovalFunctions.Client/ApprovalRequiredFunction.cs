using System.Text.Json;
using System.Text.Json.Nodes;
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
public sealed class ApprovalRequiredFunction(AIFunction inner, ApprovalsClient approvals, ApprovalRequiredFunctionOptions? options = null, IGateState? state = null)
    : DelegatingAIFunction(inner)
{
    private readonly ApprovalRequiredFunctionOptions _options = options ?? new ApprovalRequiredFunctionOptions();
    private readonly ApprovalGate _gate = new(approvals, state);

    /// <inheritdoc />
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var parameters = new JsonObject();
        foreach ((string name, object? value) in arguments.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            parameters[name] = value is null ? null : JsonSerializer.SerializeToNode(value, AIJsonUtilities.DefaultOptions);
        }

        var call = new GatedCall(_options.ActionType ?? "tool." + Name, _options.Region, _options.Environment, null, _options.RequesterId,
            Description is { Length: > 0 } description ? description : null);
        GateOutcome<object?> outcome = await _gate.RunAsync(Name, parameters, call, _options.Wait,
            async ct => await base.InvokeCoreAsync(arguments, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return outcome.Ran ? outcome.Result : Describe(outcome);
    }

    /// <summary>What the model reads when the tool did not run: the outcome, why, or what it waits for.</summary>
    public static JsonObject Describe<T>(GateOutcome<T> outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ApprovalStatus status = outcome.Status;
        if (outcome.Refusal is string refusal)
        {
            return new JsonObject { ["status"] = "notRun", ["actionId"] = status.Id, ["message"] = refusal };
        }

        return status.Finished
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
}
