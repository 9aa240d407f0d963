using ApprovalFunctions.Core.Actions;
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
/// step runs as an activity with a retry policy (every activity is idempotent); the wait for a decision is
/// <c>WaitForExternalEvent</c> with a timeout, which races a durable timer and cancels it when the event wins. The
/// orchestrator reads no clock (only <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/>), makes no GUIDs and
/// does no I/O; its custom status is a small snapshot the HTTP functions read.
/// </summary>
public static class ApprovalOrchestrator
{
    /// <summary>The one external event: a decision or a cancellation, as Core's event JSON.</summary>
    public const string EventName = "ApprovalEvent";

    /// <summary>A bound on the loop (a process takes a few dozen steps; this only stops a bug from looping forever).</summary>
    public const int MaxSteps = 10_000;

    /// <summary>Retries for activities whose failures are transient (storage, directory, Graph, Service Bus).</summary>
    internal static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 6, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2.0, maxRetryInterval: TimeSpan.FromMinutes(5)));

    /// <summary>Retries for the release dispatch: longer, because an approved action must not be dropped by a short outage.</summary>
    internal static readonly TaskOptions DispatchRetry = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 10, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2.0, maxRetryInterval: TimeSpan.FromMinutes(10)));

    /// <summary>Runs the process for the action in the input; returns the outcome's name.</summary>
    [Function(nameof(ApprovalOrchestrator))]
    public static async Task<string> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ILogger log = context.CreateReplaySafeLogger(nameof(ApprovalOrchestrator));
        ApprovalInput input = context.GetInput<ApprovalInput>() ?? throw new InvalidOperationException("The orchestration has no input.");
        ActionRequest action = input.Action();
        ApprovalProcess process = ApprovalProcess.Start(action, new ProcessStart(
            input.ActionId, new AgentIdentity(input.AgentId, input.AgentOwner), input.Region, input.AuthStrength, input.ReceivedAt));
        ReceiptReference? receipt = null;

        for (int step = 0; step < MaxSteps; step++)
        {
            DateTimeOffset now = Now(context);
            ProcessStep next = process.Next();
            switch (next)
            {
                case AwaitDecisionStep wait:
                    context.SetCustomStatus(Snapshot(process, receipt));
                    process = await AwaitAsync(context, process, wait, log);
                    break;

                case ReleaseStep release:
                    (process, receipt) = await ReleaseAsync(context, process, release, input, now, log);
                    break;

                case FinishStep finish:
                    context.SetCustomStatus(Snapshot(process, receipt));
                    string outcome = CoreJson.Name(finish.Outcome);
                    Log.Finished(log, input.ActionId, outcome);
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
                    var stepInput = new StepInput(input.ActionId, input.Region, CoreJson.Serialize(next), now,
                        next is EvaluatePolicyStep or NotifyApproversStep ? input.ActionJson : null,
                        next is NotifyApproversStep ? CoreJson.Serialize(process.State with { PendingAudit = [] }) : null);
                    string result = await context.CallActivityAsync<string>(activity, stepInput, Retry);
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
    /// </summary>
    private static async Task<ApprovalProcess> AwaitAsync(TaskOrchestrationContext context, ApprovalProcess process, AwaitDecisionStep wait, ILogger log)
    {
        using var cancel = new CancellationTokenSource();
        Task<string> decision = context.WaitForExternalEvent<string>(EventName, cancel.Token);
        if (!decision.IsCompleted)
        {
            if (wait.Until <= Now(context))
            {
                cancel.Cancel();
                return process.Apply(new TimerFired(Now(context)));
            }

            Task timer = context.CreateTimer(wait.Until.UtcDateTime, cancel.Token);
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

    /// <summary>Signs the receipt (kept in history), then dispatches the action with it; a dispatch that keeps failing ends the process Failed.</summary>
    private static async Task<(ApprovalProcess, ReceiptReference?)> ReleaseAsync(
        TaskOrchestrationContext context, ApprovalProcess process, ReleaseStep release, ApprovalInput input, DateTimeOffset now, ILogger log)
    {
        var stepInput = new StepInput(input.ActionId, input.Region, CoreJson.Serialize(release), now);
        IssuedReceiptResult issued;
        try
        {
            issued = await context.CallActivityAsync<IssuedReceiptResult>(nameof(ApprovalActivities.IssueReceipt), stepInput, Retry);
            await context.CallActivityAsync(nameof(ApprovalActivities.DispatchRelease),
                new DispatchInput(input.ActionId, input.ActionJson, process.State.ActionDigest, issued), DispatchRetry);
        }
        catch (TaskFailedException ex)
        {
            string error = Core.LogText.Sanitize(ex.Message, 300);
            Log.ReleaseFailed(log, input.ActionId, error);
            return (process.Apply(new ReleaseFailed(error, Permanent: true, Now(context))), null);
        }

        ReceiptReference receipt = new(issued.ReceiptId, issued.ExpiresAt, issued.Jws);
        return (process.Apply(new Released(issued.ReceiptId, issued.ExpiresAt, issued.Hash, Now(context))), receipt);
    }

    /// <summary>The custom status: the state without pending audit records (they are written by then), and the receipt.</summary>
    internal static StatusSnapshot Snapshot(ApprovalProcess process, ReceiptReference? receipt) =>
        new(CoreJson.Serialize(process.State with { PendingAudit = [] }), receipt);

    private static DateTimeOffset Now(TaskOrchestrationContext context) => new(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc));
}

/// <summary>Replay-safe log messages of the orchestrator.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Action {ActionId} finished: {Outcome}")]
    public static partial void Finished(ILogger logger, string actionId, string outcome);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Action {ActionId}: an external event was ignored: {Reason}")]
    public static partial void EventIgnored(ILogger logger, string actionId, string reason);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Action {ActionId}: release failed after retries: {Error}")]
    public static partial void ReleaseFailed(ILogger logger, string actionId, string error);
}
