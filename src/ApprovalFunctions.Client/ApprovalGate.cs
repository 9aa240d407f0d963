using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Receipts;

namespace ApprovalFunctions.Client;

/// <summary>How calls through a gate become actions.</summary>
/// <param name="ActionType">The action type.</param>
/// <param name="Region">The region of the data (<c>data.sourceRegion</c>), if known.</param>
/// <param name="Environment">The target environment, if known.</param>
/// <param name="Resource">The target resource, for example <c>mcp://server/tool</c>.</param>
/// <param name="RequesterId">Who the agent acts for.</param>
/// <param name="Intent">Why (the tool's description).</param>
public sealed record GatedCall(string ActionType, string? Region = null, string? Environment = null, string? Resource = null, string? RequesterId = null, string? Intent = null);

/// <summary>What became of a gated call.</summary>
/// <param name="Ran">True when the operation ran (its result is <see cref="Result"/>).</param>
/// <param name="Result">The operation's result.</param>
/// <param name="Status">The action's status (null when the operation ran without one needed).</param>
/// <param name="Refusal">Why the approved call did not run (its receipt did not verify), if so.</param>
public sealed record GateOutcome<T>(bool Ran, T? Result, ApprovalStatus Status, string? Refusal = null)
{
    /// <summary>True when the action ended without approval (denied, rejected, expired, cancelled).</summary>
    public bool NotApproved => !Ran && Refusal is null && Status.Finished;
}

/// <summary>
/// Where a gate keeps, for each call, the key of its current request (a call that ran asks anew next time) and the
/// receipts it spent. In memory by default; a file (<see cref="FileGateState"/>) keeps both across restarts.
/// </summary>
public interface IGateState : IReceiptUseRegistry
{
    /// <summary>The request key of <paramref name="call"/> (the call's own key until it ran once).</summary>
    string CurrentKey(string call);

    /// <summary>Moves <paramref name="call"/> from <paramref name="spent"/> to <paramref name="next"/>.</summary>
    void Advance(string call, string spent, string next);
}

/// <summary>A process-local <see cref="IGateState"/>.</summary>
public sealed class InMemoryGateState : IGateState
{
    private readonly ConcurrentDictionary<string, string> _keys = new(StringComparer.Ordinal);
    private readonly InMemoryReceiptUseRegistry _receipts = new();

    /// <inheritdoc />
    public string CurrentKey(string call) => _keys.GetOrAdd(call, call);

    /// <inheritdoc />
    public void Advance(string call, string spent, string next) => _keys.TryUpdate(call, next, spent);

    /// <inheritdoc />
    public bool TryMarkUsed(string receiptId, DateTimeOffset expiresAt, DateTimeOffset now) => _receipts.TryMarkUsed(receiptId, expiresAt, now);
}

/// <summary>
/// Runs an operation only when its call is approved: the call (its name and canonical arguments) becomes an action,
/// keyed so that the same call is the same request; the operation runs when the action is released and its receipt
/// verifies for exactly that action, once; after it ran, the same call asks anew. Shared by
/// <see cref="ApprovalRequiredFunction"/> and the MCP proxy.
/// </summary>
public sealed class ApprovalGate(ApprovalsClient approvals, IGateState? state = null)
{
    private readonly IGateState _state = state ?? new InMemoryGateState();

    /// <summary>Gates <paramref name="run"/> for the call <paramref name="name"/>(<paramref name="arguments"/>).</summary>
    public async Task<GateOutcome<T>> RunAsync<T>(string name, JsonObject arguments, GatedCall call, TimeSpan wait, Func<CancellationToken, Task<T>> run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(run);
        string canonical = JsonCanonicalizer.CanonicalizeToString(JsonSerializer.SerializeToElement(arguments));
        string callKey = Hash(string.Join("\n", name, call.ActionType, call.Environment, call.Region, call.Resource, call.RequesterId, canonical));
        string key = _state.CurrentKey(callKey);
        string action = Action(name, arguments, canonical, call, key);
        ApprovalStatus status = await approvals.SubmitAsync(action, wait, cancellationToken: cancellationToken).ConfigureAwait(false);
        status = await PolicyDecidedAsync(status, cancellationToken).ConfigureAwait(false);
        if (status.Outcome != "released")
        {
            return new GateOutcome<T>(false, default, status);
        }

        ReceiptVerification receipt = await approvals.VerifyReceiptAsync(status, action, _state, cancellationToken).ConfigureAwait(false);
        if (receipt.IsValid || receipt.Failure == ReceiptFailure.AlreadyUsed)
        {
            // Spent: the same call asks anew next time, under a key derived from this one and its receipt.
            _state.Advance(callKey, key, Hash(key + "\n" + status.ReceiptId));
        }

        return receipt.IsValid
            ? new GateOutcome<T>(true, await run(cancellationToken).ConfigureAwait(false), status)
            : new GateOutcome<T>(false, default, status, receipt.Failure == ReceiptFailure.AlreadyUsed
                ? "This exact call was approved once and has already run; calling again asks for a new approval."
                : "The approval's receipt did not verify, so the call did not run: " + receipt.Message);
    }

    /// <summary>
    /// The status once the policy has spoken: a host that evaluates asynchronously (the Functions app) may answer
    /// <c>received</c> first; an allowed action is released a moment after.
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

        return status is { Finished: false, Status: not "pendingApproval" }
            ? await approvals.WaitAsync(status.Id, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false)
            : status;
    }

    private static string Action(string name, JsonObject arguments, string canonical, GatedCall call, string key)
    {
        var action = new JsonObject
        {
            ["type"] = call.ActionType,
            ["summary"] = $"{name}({(canonical.Length > 400 ? canonical[..400] + "…" : canonical)})",
            ["intent"] = string.IsNullOrWhiteSpace(call.Intent) ? null : call.Intent,
            ["parameters"] = arguments.DeepClone(),
            ["idempotencyKey"] = key,
        };
        if (call.RequesterId is string requester)
        {
            action["requester"] = new JsonObject { ["id"] = requester };
        }

        if (call.Environment is not null || call.Resource is not null)
        {
            action["target"] = new JsonObject { ["resource"] = call.Resource, ["environment"] = call.Environment };
        }

        if (call.Region is string region)
        {
            action["data"] = new JsonObject { ["sourceRegion"] = region };
        }

        return action.ToJsonString();
    }

    private static string Hash(string text) => "call-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..40];
}
