using ApprovalFunctions.Core.Api;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace ApprovalFunctions.FunctionApp.Orchestration;

/// <summary>
/// One action's approval process as a durable orchestration: a loop around Core's <see cref="ApprovalProcess"/>. Each
/// step runs as an activity with a retry policy (every activity is idempotent); when an outage outlasts the retries, the
/// instance waits on a durable timer and tries again, however long it lasts, and says so in its status. The wait for a
/// decision races the external event against a durable timer. The orchestrator reads no clock (only
/// <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/>), makes no GUIDs and does no I/O. It does not use
/// <c>ContinueAsNew</c>: on the in-process engine, decisions raised while an execution handed over were lost (see README).
/// </summary>
public static class ApprovalOrchestrator
{
    /// <summary>The one external event: a decision or a cancellation, as Core's event JSON.</summary>
    public const string EventName = "ApprovalEvent";

    /// <summary>A bound on all steps of an instance (a process takes a few dozen; this only stops a bug from looping forever).</summary>
    public const int MaxSteps = 100_000;

    /// <summary>
    /// Runs the process for the action in the input with the build of the instance's version
    /// (<see cref="OrchestrationVersions"/>): an instance keeps the code it started with across deployments.
    /// </summary>
    [Function(nameof(ApprovalOrchestrator))]
    public static Task<string> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context) =>
        OrchestrationVersions.Run(context, OrchestrationVersions.Builds);

    /// <summary>Version 1.0: Core's process, step by step, with a new durable timer for every wait; returns the outcome's name.</summary>
    public static Task<string> RunV1Async(TaskOrchestrationContext context) => RunAsync(context, timer: null, updateChannels: false);

    /// <summary>
    /// Version 2.0: as 1.0, but one durable timer per deadline, kept across the events that arrive before it, so an
    /// instance's history grows by the raised event alone for each decision (1.0 also created and cancelled a timer).
    /// </summary>
    public static async Task<string> RunV2Async(TaskOrchestrationContext context)
    {
        using var timer = new WaitTimer();
        return await RunAsync(context, timer, updateChannels: false);
    }

    /// <summary>
    /// Version 3.0: as 2.0, and once the action leaves pending approval (decided, expired or cancelled) one activity
    /// updates the messages posted about it in Slack and Teams to the outcome, before the release.
    /// </summary>
    public static async Task<string> RunV3Async(TaskOrchestrationContext context)
    {
        using var timer = new WaitTimer();
        return await RunAsync(context, timer, updateChannels: true);
    }

    private static async Task<string> RunAsync(TaskOrchestrationContext context, WaitTimer? timer, bool updateChannels)
    {
        ArgumentNullException.ThrowIfNull(context);
        ApprovalInput input = context.GetInput<ApprovalInput>() ?? throw new InvalidOperationException("The orchestration has no input.");
        var run = new Run(context, input);
        ApprovalProcess process = ApprovalProcess.Start(input.Action(), new ProcessStart(
            input.ActionId, new AgentIdentity(input.AgentId, input.AgentOwner), input.Region, input.AuthStrength, input.ReceivedAt));
        ReceiptReference? receipt = null;

        for (int step = 0; step < MaxSteps; step++)
        {
            ProcessStep next = process.Next();
            switch (next)
            {
                case AwaitDecisionStep wait:
                    await run.CheckpointAsync(process, receipt);
                    process = await AwaitAsync(context, process, wait, run.Log, timer);
                    if (updateChannels && process.State.Status != ProcessStatus.PendingApproval)
                    {
                        await UpdateChannelsAsync(run, process);
                    }

                    break;

                case ReleaseStep release:
                    (process, receipt) = await ReleaseAsync(run, process, release);
                    break;

                case FinishStep finish:
                    timer?.Cancel();
                    await run.CheckpointAsync(process, receipt);
                    string outcome = CoreJson.Name(finish.Outcome);
                    Log.Finished(run.Log, input.ActionId, outcome);
                    return outcome;

                default:
                    string activity = next switch
                    {
                        WriteAuditStep => nameof(ApprovalActivities.WriteAudit),
                        EvaluatePolicyStep => nameof(ApprovalActivities.EvaluatePolicy),
                        ResolveApproversStep => nameof(ApprovalActivities.ResolveApprovers),
                        NotifyApproversStep => nameof(ApprovalActivities.NotifyApprovers),
                        _ => throw new InvalidOperationException($"The orchestrator does not know step {next.GetType().Name}."),
                    };
                    var stepInput = new StepInput(input.ActionId, input.Region, CoreJson.Serialize(next), Now(context),
                        next is EvaluatePolicyStep or NotifyApproversStep ? input.ActionJson : null,
                        next is NotifyApproversStep ? CoreJson.Serialize(process.State with { PendingAudit = [] }) : null);
                    string result = await run.CallAsync<string>(activity, stepInput, process, receipt);
                    process = process.Apply(CoreJson.DeserializeEvent(result));
                    break;
            }
        }

        throw new InvalidOperationException($"The process of {input.ActionId} did not finish within {MaxSteps} steps.");
    }

    /// <summary>
    /// Waits for a decision or cancellation until the step's time. An event already buffered wins even when the time has
    /// passed (it was raised before the orchestrator got here; Core judges its own time against the deadline); otherwise
    /// the event races a durable timer, and the loser is cancelled so no waiter or timer is left behind. The cancellation
    /// is synchronous on purpose: <c>CancelAsync</c> would resume the orchestrator on the thread pool, outside its episode.
    /// With a <paramref name="kept"/> timer (version 2.0) the timer outlives an event that wins, for the next wait.
    /// </summary>
    private static async Task<ApprovalProcess> AwaitAsync(TaskOrchestrationContext context, ApprovalProcess process, AwaitDecisionStep wait, ILogger log, WaitTimer? kept)
    {
        using var cancel = new CancellationTokenSource();
        Task<string> decision = context.WaitForExternalEvent<string>(EventName, cancel.Token);
        if (!decision.IsCompleted)
        {
            if (wait.Until <= Now(context))
            {
                cancel.Cancel();
                kept?.Cancel();
                return process.Apply(new TimerFired(Now(context)));
            }

            Task timer = kept?.Until(context, wait.Until) ?? context.CreateTimer(wait.Until.UtcDateTime, cancel.Token);
            Task first = await Task.WhenAny(decision, timer);
            cancel.Cancel();
            if (first == timer)
            {
                // The durable timer fired at (or, replayed, just after) the step's time.
                DateTimeOffset fired = Now(context);
                return process.Apply(new TimerFired(fired < wait.Until ? wait.Until : fired));
            }
        }

        string json = await decision;
        ProcessEvent received;
        try
        {
            received = CoreJson.DeserializeEvent(json);
        }
        catch (System.Text.Json.JsonException)
        {
            Log.EventIgnored(log, process.State.ActionId, "unreadable event");
            return process;
        }

        // Only the HTTP functions raise events, and only these two kinds; anything else changes nothing.
        if (received is not (DecisionReceived or CancelRequested))
        {
            string kind = received.GetType().Name;
            Log.EventIgnored(log, process.State.ActionId, kind);
            return process;
        }

        try
        {
            // Refused decisions (self-approval, ineligible, late…) are applied too: the process audits them.
            return process.Apply(received);
        }
        catch (ProcessTransitionException ex)
        {
            string reason = ex.Message;
            Log.EventIgnored(log, process.State.ActionId, reason);
            return process;
        }
    }

    /// <summary>
    /// Updates the chat messages to the outcome: one round of retries, and a failure is logged rather than waited out
    /// (the messages stay as they were; a press on one answers with the outcome).
    /// </summary>
    private static async Task UpdateChannelsAsync(Run run, ApprovalProcess process)
    {
        var input = new StepInput(run.Input.ActionId, run.Input.Region, CoreJson.Serialize(process.Next()), Now(run.Context), run.Input.ActionJson,
            CoreJson.Serialize(process.State with { PendingAudit = [] }));
        try
        {
            await run.Context.CallActivityAsync<int>(nameof(ApprovalActivities.UpdateChannels), input, run.Retry);
        }
        catch (TaskFailedException ex)
        {
            string error = Core.LogText.Sanitize(ex.FailureDetails.ErrorMessage, 300);
            Log.ChannelsNotUpdated(run.Log, run.Input.ActionId, error);
        }
    }

    /// <summary>
    /// Signs a receipt and dispatches the action with it. A dispatch that fails through its retries is tried again after
    /// a pause, and a receipt with less than <see cref="DurableTiming.ReceiptMargin"/> left is re-signed first (same
    /// action, same digest), so an executor never receives a stale one. A release the channel refuses for good (such as a
    /// message too large for the queue) ends the process Failed.
    /// </summary>
    private static async Task<(ApprovalProcess Process, ReceiptReference? Receipt)> ReleaseAsync(Run run, ApprovalProcess process, ReleaseStep release)
    {
        ApprovalInput input = run.Input;
        IssuedReceiptResult? issued = null;
        for (int round = 1; ; round++)
        {
            if (issued is null || issued.ExpiresAt - Now(run.Context) < run.Timing.ReceiptMargin)
            {
                var stepInput = new StepInput(input.ActionId, input.Region, CoreJson.Serialize(release), Now(run.Context));
                issued = await run.CallAsync<IssuedReceiptResult>(nameof(ApprovalActivities.IssueReceipt), stepInput, process, null);
            }

            try
            {
                await run.Context.CallActivityAsync(nameof(ApprovalActivities.DispatchRelease),
                    new DispatchInput(input.ActionId, input.ActionJson, process.State.ActionDigest, issued), run.Retry);
                ReceiptReference sent = new(issued.ReceiptId, issued.ExpiresAt, issued.Jws);
                return (process.Apply(new Released(issued.ReceiptId, issued.ExpiresAt, issued.Hash, Now(run.Context))), sent);
            }
            catch (TaskFailedException ex) when (ex.FailureDetails.IsCausedBy<ReleaseRefusedException>())
            {
                string error = Core.LogText.Sanitize(ex.FailureDetails.ErrorMessage, 300);
                Log.ReleaseFailed(run.Log, input.ActionId, error);
                return (process.Apply(new ReleaseFailed(error, Permanent: true, Now(run.Context))), null);
            }
            catch (TaskFailedException ex)
            {
                await run.PauseAsync(nameof(ApprovalActivities.DispatchRelease), ex, round, process, null);
            }
        }
    }

    /// <summary>The custom status: the state without pending audit records (they are written by then), and the receipt.</summary>
    internal static StatusSnapshot Snapshot(ApprovalProcess process, ReceiptReference? receipt, OutageStatus? outage = null) =>
        new(CoreJson.Serialize(process.State with { PendingAudit = [] }), receipt, outage);

    /// <summary>The snapshot itself when it fits the custom status, else the same without the state (kept in the store).</summary>
    private static StatusSnapshot Bounded(StatusSnapshot snapshot) => Fits(snapshot) ? snapshot : snapshot with { State = null, Stored = true };

    private static bool Fits(StatusSnapshot snapshot) => System.Text.Json.JsonSerializer.Serialize(snapshot).Length <= StatusSnapshot.MaxChars;

    private static DateTimeOffset Now(TaskOrchestrationContext context) => new(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc));

    /// <summary>One execution: the context, its input and timing, and the calls that wait out outages.</summary>
    /// <summary>The durable timer of the current deadline, created once and kept until it fires or the deadline changes.</summary>
    private sealed class WaitTimer : IDisposable
    {
        private DateTimeOffset _until;
        private Task? _timer;
        private CancellationTokenSource? _cancel;

        /// <summary>The timer for <paramref name="until"/>: the one already running for it, or a new one.</summary>
        public Task Until(TaskOrchestrationContext context, DateTimeOffset until)
        {
            if (_timer is null || _timer.IsCompleted || _until != until)
            {
                Cancel();
                _cancel = new CancellationTokenSource();
                _timer = context.CreateTimer(until.UtcDateTime, _cancel.Token);
                _until = until;
            }

            return _timer;
        }

        /// <summary>Cancels the running timer, if any (synchronously, as every cancellation in an orchestrator).</summary>
        public void Cancel()
        {
            _cancel?.Cancel();
            _cancel?.Dispose();
            (_cancel, _timer) = (null, null);
        }

        /// <inheritdoc />
        public void Dispose() => Cancel();
    }

    private sealed class Run(TaskOrchestrationContext context, ApprovalInput input)
    {
        private DateTimeOffset? _outageSince;

        public TaskOrchestrationContext Context { get; } = context;

        public ApprovalInput Input { get; } = input;

        public DurableTiming Timing { get; } = input.Timing ?? DurableTiming.Default;

        public ILogger Log { get; } = context.CreateReplaySafeLogger(nameof(ApprovalOrchestrator));

        /// <summary>
        /// The retry policy of one round. Failures that retrying the same input cannot mend end the round at once: an
        /// audit conflict (an integrity alarm), a receipt too close to expiry (re-signed first), a release refused for good.
        /// </summary>
        public TaskOptions Retry => TaskOptions.FromRetryPolicy(new RetryPolicy(Timing.Attempts, Timing.FirstRetry, 2.0, Timing.MaxRetry)
        {
            HandleFailure = failure => !failure.IsCausedBy<AuditConflictException>() && !failure.IsCausedBy<ReceiptExpiredException>()
                && !failure.IsCausedBy<ReleaseRefusedException>(),
        });

        /// <summary>
        /// Runs <paramref name="activity"/> until it succeeds: a round of retries, then a pause, again and again, for as
        /// long as the outage lasts. An audit conflict fails the instance (never overwritten, never retried).
        /// </summary>
        public async Task<T> CallAsync<T>(string activity, object input, ApprovalProcess process, ReceiptReference? receipt)
        {
            for (int round = 1; ; round++)
            {
                try
                {
                    T result = await Context.CallActivityAsync<T>(activity, input, Retry);
                    if (_outageSince is not null)
                    {
                        // The dependency is back: the status stops saying the instance waits for it.
                        _outageSince = null;
                        Context.SetCustomStatus(Bounded(Snapshot(process, receipt)));
                    }

                    return result;
                }
                catch (TaskFailedException ex) when (!ex.FailureDetails.IsCausedBy<AuditConflictException>())
                {
                    await PauseAsync(activity, ex, round, process, receipt);
                }
            }
        }

        /// <summary>
        /// Publishes the state for the HTTP functions: in the custom status when it fits, otherwise in the state store (an
        /// activity, so an outage of the store is waited out too) with the status pointing there.
        /// </summary>
        public async Task CheckpointAsync(ApprovalProcess process, ReceiptReference? receipt)
        {
            StatusSnapshot snapshot = Snapshot(process, receipt);
            if (!Fits(snapshot))
            {
                await CallAsync<bool>(nameof(ApprovalActivities.SaveState), new SaveStateInput(Input.ActionId, snapshot.State!), process, receipt);
            }

            Context.SetCustomStatus(Bounded(snapshot));
        }

        /// <summary>Says in the status what the instance waits for, then waits on a durable timer.</summary>
        public async Task PauseAsync(string activity, TaskFailedException failure, int round, ApprovalProcess process, ReceiptReference? receipt)
        {
            DateTimeOffset now = Now(Context);
            _outageSince ??= now;
            DateTimeOffset retryAt = now + Timing.Pause(round);
            string error = Core.LogText.Sanitize(failure.FailureDetails.ErrorMessage, 300);
            Context.SetCustomStatus(Bounded(Snapshot(process, receipt, new OutageStatus(activity, _outageSince.Value, retryAt, round, error))));
            Orchestration.Log.WaitingOut(Log, Input.ActionId, activity, round, retryAt);
            await Context.CreateTimer(retryAt.UtcDateTime, CancellationToken.None);
        }
    }
}

/// <summary>Replay-safe log messages of the orchestrator.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Action {ActionId} finished: {Outcome}")]
    public static partial void Finished(ILogger logger, string actionId, string outcome);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Action {ActionId}: an external event was ignored: {Reason}")]
    public static partial void EventIgnored(ILogger logger, string actionId, string reason);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Action {ActionId}: the release was refused for good: {Error}")]
    public static partial void ReleaseFailed(ILogger logger, string actionId, string error);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Action {ActionId}: {Activity} failed through round {Round} of retries; trying again at {RetryAt}")]
    public static partial void WaitingOut(ILogger logger, string actionId, string activity, int round, DateTimeOffset retryAt);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "Action {ActionId}: its Slack and Teams messages could not be updated to the outcome: {Error}")]
    public static partial void ChannelsNotUpdated(ILogger logger, string actionId, string error);
}
