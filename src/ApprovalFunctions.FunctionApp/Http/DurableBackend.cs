using System.Text;
using ApprovalFunctions.Api;
using ApprovalFunctions.Api.Actions;
using ApprovalFunctions.Api.Identity;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Api;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.Microsoft365.Identity;
using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace ApprovalFunctions.FunctionApp.Http;

/// <summary>
/// Hands out the shared <see cref="ApprovalsApi"/> for one invocation: the Durable client comes with each trigger's
/// binding, so the backend over it is made per request (it holds nothing else).
/// </summary>
public sealed class DurableApis(ApiServices services, IProcessStateStore states, IAuditStore audit, ApprovalsOptions options)
{
    /// <summary>The API over <paramref name="client"/>'s task hub.</summary>
    public ApprovalsApi For(DurableTaskClient client) => new(new DurableBackend(client, states, audit, options, services.Time), services);
}

/// <summary>
/// How the Functions app keeps and wakes processes for the shared API: one orchestration per action (instance id =
/// action id), its state read from the custom status (or the state store when too large), decisions and cancellations
/// raised as events, the inbox read from the running instances (no index besides the task hub).
/// </summary>
internal sealed class DurableBackend(DurableTaskClient client, IProcessStateStore states, IAuditStore audit, ApprovalsOptions options, TimeProvider time) : ApprovalsBackend
{
    /// <summary>How far back the history (<c>status=decided</c>) looks.</summary>
    public static readonly TimeSpan HistoryWindow = TimeSpan.FromDays(30);

    /// <summary>Every status an existing instance can have: a resubmission never starts the process again.</summary>
    private static readonly OrchestrationRuntimeStatus[] Existing =
    [
        OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended,
        OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated,
    ];

    public override string? ReleaseFeedElsewhere =>
        $"Released actions go to the Service Bus queue {LogText.Quote(options.ReleaseQueue)} of {LogText.Quote(options.ServiceBusNamespace)} "
        + "(message id = action id; the receipt is in the message's application properties).";

    public override async Task<ActionSnapshot?> FindAsync(string id, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? metadata = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        return metadata is null ? null : await SnapshotAsync(metadata, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<ActionStart> StartAsync(NewAction action, CancellationToken cancellationToken)
    {
        // The same agent and key find the same instance: a retry returns the first result instead of a second process.
        string id = action.IdempotencyKey is null ? ApprovalsApi.NewActionId() : DerivedIds.Action(action.Agent.Id, action.IdempotencyKey);

        // A keyed resubmission finds its instance first, so it never depends on the backend honouring dedupe statuses
        // (a backend that restarted a completed instance would release the action twice); the dedupe statuses still
        // settle two submissions racing each other.
        if (action.IdempotencyKey is not null && await FindAsync(id, cancellationToken).ConfigureAwait(false) is ActionSnapshot existing)
        {
            return new ActionStart(id, existing);
        }

        var input = new ApprovalInput(id, Encoding.UTF8.GetString(action.Body), action.Agent.Id, action.Agent.Owner, action.Agent.AuthStrength, action.Region, action.ReceivedAt);
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                nameof(ApprovalOrchestrator), input,
                new StartOrchestrationOptions(id).WithDedupeStatuses(Existing) with { Version = OrchestrationVersions.Current }, cancellationToken).ConfigureAwait(false);
            return new ActionStart(id, null);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return new ActionStart(id, await FindAsync(id, cancellationToken).ConfigureAwait(false));
        }
    }

    public override async Task WaitAsync(string id, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: false, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Not finished within the wait.
        }
    }

    public override async Task<DecisionVerdict> DecideAsync(ActionSnapshot action, DecisionReceived decision, CancellationToken cancellationToken)
    {
        // Judged on the state the caller saw; the orchestration judges again when the event arrives, so two approvers
        // answering at once are settled there. Refusals reach it while it still audits them; later ones would only
        // grow the instance's history (one event each), so a flood costs at most the audit limit per caller. An
        // instance not started yet keeps the event until it waits for one. Duplicates change nothing.
        ApprovalProcess process = ApprovalProcess.FromState(action.State);
        DecisionVerdict verdict = process.Judge(decision);
        bool counts = verdict.Kind == VerdictKind.Accepted || (verdict.Kind == VerdictKind.Refused && process.AuditsRefusalOf(decision.Approver.Id));
        if (counts && !action.Finished)
        {
            await client.RaiseEventAsync(action.Id, ApprovalOrchestrator.EventName, CoreJson.Serialize(decision), cancellationToken).ConfigureAwait(false);
        }

        return verdict;
    }

    public override async Task<bool> CancelAsync(ActionSnapshot action, CancelRequested cancel, CancellationToken cancellationToken)
    {
        if (action.Finished)
        {
            return false;
        }

        await client.RaiseEventAsync(action.Id, ApprovalOrchestrator.EventName, CoreJson.Serialize(cancel), cancellationToken).ConfigureAwait(false);
        return true;
    }

    public override Task<IReadOnlyList<AuditRecord>> AuditAsync(ActionSnapshot action, CancellationToken cancellationToken) =>
        audit.ReadActionAsync(action.State.Region, action.State.ReceivedAt, action.Id, cancellationToken);

    public override Task<IReadOnlyList<ActionSnapshot>> PendingForAsync(TokenCaller approver, int limit, CancellationToken cancellationToken) =>
        InstancesAsync(new OrchestrationQuery(Statuses: [OrchestrationRuntimeStatus.Running], InstanceIdPrefix: "act_", FetchInputsAndOutputs: true),
            a => a.IsAwaitedBy(approver),
            cancellationToken);

    public override Task<IReadOnlyList<ActionSnapshot>> DecidedByAsync(TokenCaller approver, int limit, CancellationToken cancellationToken) =>
        InstancesAsync(
            new OrchestrationQuery(
                CreatedFrom: time.GetUtcNow() - HistoryWindow,
                Statuses: [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Completed],
                InstanceIdPrefix: "act_",
                FetchInputsAndOutputs: true),
            a => approver.DecisionOf(a.State) is not null,
            cancellationToken);

    /// <summary>Every approval instance the query finds that <paramref name="keep"/> keeps (the API orders and limits).</summary>
    private async Task<IReadOnlyList<ActionSnapshot>> InstancesAsync(OrchestrationQuery query, Func<ActionSnapshot, bool> keep, CancellationToken cancellationToken)
    {
        var found = new List<ActionSnapshot>();
        await foreach (OrchestrationMetadata metadata in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (metadata.Name == nameof(ApprovalOrchestrator) && await SnapshotAsync(metadata, cancellationToken).ConfigureAwait(false) is ActionSnapshot action && keep(action))
            {
                found.Add(action);
            }
        }

        return found;
    }

    /// <summary>The action of an instance fetched with its inputs; null when it is not an approval.</summary>
    private async Task<ActionSnapshot?> SnapshotAsync(OrchestrationMetadata metadata, CancellationToken cancellationToken)
    {
        if (metadata.ReadInputAs<ApprovalInput>() is not ApprovalInput input)
        {
            return null;
        }

        StatusSnapshot? snapshot = metadata.SerializedCustomStatus is null ? null : metadata.ReadCustomStatusAs<StatusSnapshot>();
        string? stateJson = snapshot is { State: null, Stored: true }
            ? await states.LoadAsync(input.ActionId, cancellationToken).ConfigureAwait(false)
            : snapshot?.State;

        // Before the first checkpoint the state is the one the process starts in.
        ProcessState state = stateJson is not null
            ? CoreJson.DeserializeState(stateJson)
            : ApprovalProcess.Start(input.Action(), new ProcessStart(input.ActionId, new AgentIdentity(input.AgentId, input.AgentOwner), input.Region, input.AuthStrength, input.ReceivedAt)).State;
        OutageStatus? outage = snapshot?.Outage;
        return new ActionSnapshot(input.ActionId, state, Encoding.UTF8.GetBytes(input.ActionJson), metadata.IsCompleted, snapshot?.Receipt,
            WaitingFor: outage is null ? null : new DependencyWait(outage.Activity, outage.Since, outage.RetryAt, outage.Rounds));
    }
}
