using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Api;

namespace ApprovalFunctions.FunctionApp.Orchestration;

/// <summary>The orchestration's input: the action as submitted and who submitted it.</summary>
/// <param name="ActionId">The action id (also the instance id).</param>
/// <param name="ActionJson">The request body as submitted.</param>
/// <param name="AgentId">The calling agent, from its credentials.</param>
/// <param name="AgentOwner">The agent's owner.</param>
/// <param name="AuthStrength">The agent caller's sign-in strength.</param>
/// <param name="Region">The region whose audit store keeps the trail.</param>
/// <param name="ReceivedAt">When the HTTP function accepted it.</param>
/// <param name="Timing">How outages are waited out; null for <see cref="DurableTiming.Default"/>.</param>
public sealed record ApprovalInput(
    string ActionId, string ActionJson, string AgentId, string? AgentOwner, string? AuthStrength, string Region, DateTimeOffset ReceivedAt,
    DurableTiming? Timing = null)
{
    /// <summary>The action as submitted (it was validated then, so it parses).</summary>
    public ActionRequest Action() =>
        ActionParser.Parse(ActionJson, ActionLimits.Stored).Action ?? throw new InvalidOperationException($"The action of {ActionId} does not parse.");
}

/// <summary>
/// What an activity gets: the step to run (Core's JSON), the orchestration's time for the event it returns, and the
/// action or state when the step needs them. Activities return the resulting event as JSON, stamped with
/// <paramref name="Now"/>: the orchestrator owns time.
/// </summary>
/// <param name="ActionId">The action.</param>
/// <param name="Region">Its audit region.</param>
/// <param name="StepJson">The step.</param>
/// <param name="Now">The orchestration's current time.</param>
/// <param name="ActionJson">The action, for policy and notification steps.</param>
/// <param name="StateJson">The process state, for notification steps.</param>
public sealed record StepInput(string ActionId, string Region, string StepJson, DateTimeOffset Now, string? ActionJson = null, string? StateJson = null);

/// <summary>A receipt issued for a release (kept in the orchestration history, so a retried dispatch sends the same one).</summary>
/// <param name="ReceiptId">Its single-use id.</param>
/// <param name="Jws">The signed receipt.</param>
/// <param name="ExpiresAt">Its expiry.</param>
/// <param name="Hash">Its hash, as the audit trail records it.</param>
public sealed record IssuedReceiptResult(string ReceiptId, string Jws, DateTimeOffset ExpiresAt, string Hash);

/// <summary>What the dispatch activity sends to the executors' queue.</summary>
/// <param name="ActionId">The action (the message id).</param>
/// <param name="ActionJson">The action as approved (the message body).</param>
/// <param name="ActionDigest">Its digest.</param>
/// <param name="Receipt">The receipt.</param>
public sealed record DispatchInput(string ActionId, string ActionJson, string ActionDigest, IssuedReceiptResult Receipt);

/// <summary>
/// The orchestration's custom status: the process state (without pending audit records), the receipt once released,
/// and the outage the instance is waiting out, if any. HTTP functions read it for status, decisions and inboxes. The
/// backend caps custom status (16 KB of UTF-16 on Azure Storage), so a state too large to fit (a large approver group,
/// long comments, many refused attempts) is kept in the state store instead: <see cref="State"/> is null and
/// <see cref="Stored"/> true.
/// </summary>
/// <param name="State">The process state as Core's JSON, when it fits.</param>
/// <param name="Receipt">The receipt once released.</param>
/// <param name="Outage">What the instance waits for while a dependency is out.</param>
/// <param name="Stored">True when the state is in the state store rather than here.</param>
public sealed record StatusSnapshot(string? State, ReceiptReference? Receipt, OutageStatus? Outage = null, bool Stored = false)
{
    /// <summary>The largest custom status kept inline, in characters: 16 KB of UTF-16 is 8,192, and a margin stays free.</summary>
    public const int MaxChars = 6_000;
}

/// <summary>What the state-saving activity stores: the action's process state at a checkpoint.</summary>
/// <param name="ActionId">The action.</param>
/// <param name="StateJson">The process state as Core's JSON.</param>
public sealed record SaveStateInput(string ActionId, string StateJson);

/// <summary>A dependency the instance is waiting out: its activity failed through every retry, and it will try again.</summary>
/// <param name="Activity">The activity that keeps failing.</param>
/// <param name="Since">When the first round of retries began failing.</param>
/// <param name="RetryAt">When the next round starts.</param>
/// <param name="Rounds">Rounds of retries failed so far.</param>
/// <param name="Error">The last error (sanitized, bounded).</param>
public sealed record OutageStatus(string Activity, DateTimeOffset Since, DateTimeOffset RetryAt, int Rounds, string Error);

/// <summary>
/// How the orchestration rides out failures. Each activity gets <see cref="Attempts"/> attempts (from
/// <see cref="FirstRetry"/>, doubling, at most <see cref="MaxRetry"/> apart); when they are spent, the instance waits on
/// a durable timer (from <see cref="FirstPause"/>, doubling, at most <see cref="MaxPause"/>) and tries again, for as long
/// as the outage lasts. A receipt is re-signed before a dispatch when less than <see cref="ReceiptMargin"/> of its life
/// is left.
/// </summary>
public sealed record DurableTiming(int Attempts, TimeSpan FirstRetry, TimeSpan MaxRetry, TimeSpan FirstPause, TimeSpan MaxPause, TimeSpan ReceiptMargin)
{
    /// <summary>6 attempts over about 2.5 minutes, then pauses from 1 minute doubling up to 30 minutes; re-sign with under 5 minutes left.</summary>
    public static DurableTiming Default { get; } = new(6, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30),
        TimeSpan.FromMinutes(5));

    /// <summary>The pause after <paramref name="rounds"/> failed rounds.</summary>
    public TimeSpan Pause(int rounds) =>
        TimeSpan.FromTicks(Math.Min(MaxPause.Ticks, FirstPause.Ticks * (1L << Math.Min(rounds - 1, 20))));
}
