using ApprovalFunctions.Api;
using ApprovalFunctions.Api.Actions;
using ApprovalFunctions.Api.Identity;
using ApprovalFunctions.Core.Api;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Gateway.Audit;
using ApprovalFunctions.Gateway.Runner;
using ApprovalFunctions.Gateway.Storage;
using ApprovalFunctions.Microsoft365.Identity;
using StoredInsert = ApprovalFunctions.Gateway.Storage.NewAction;

namespace ApprovalFunctions.Gateway.Api;

/// <summary>
/// How the gateway keeps and wakes processes for the shared API: SQLite rows advanced by the runner, decisions applied
/// at once when the process waits for one (the verdict is then exact) and queued otherwise.
/// </summary>
internal sealed class GatewayBackend(
    ActionStore store,
    FileAuditStore audit,
    ActionLocks locks,
    StepExecutor executor,
    RunnerSignal runner,
    ActionCompletions completions,
    TimeProvider time) : ApprovalsBackend
{
    public override async Task<ActionSnapshot?> FindAsync(string id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is StoredAction stored ? await SnapshotAsync(stored, cancellationToken) : null;

    public override async Task<ActionStart> StartAsync(ApprovalFunctions.Api.Actions.NewAction action, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            if (action.IdempotencyKey is string key && await store.FindByIdempotencyKeyAsync(action.Agent.Id, key, cancellationToken) is StoredAction existing)
            {
                return new ActionStart(existing.Id, await SnapshotAsync(existing, cancellationToken));
            }

            string id = ApprovalsApi.NewActionId();
            ApprovalProcess process = ApprovalProcess.Start(action.Action, new ProcessStart(id, action.Agent.AsAgent(), action.Region, action.Agent.AuthStrength, action.ReceivedAt));
            try
            {
                FinishedAction? finished;
                using (await locks.TryAcquireAsync(id, TimeSpan.FromSeconds(5), cancellationToken))
                {
                    finished = await executor.StartAsync(action.Action, process, new StoredInsert(action.Agent.Id, action.IdempotencyKey, action.Body), cancellationToken);
                }

                return new ActionStart(id, null, finished is null ? null : Snapshot(finished.Action, finished.Release));
            }
            catch (IdempotencyKeyTakenException) when (attempt == 0)
            {
                // Another request with the same idempotency key won the race: answer as it did.
            }
        }
    }

    public override async Task WaitAsync(string id, TimeSpan wait, CancellationToken cancellationToken)
    {
        // Listen before looking, so that a finish between the two is not missed.
        Task finished = completions.WaitAsync(id, wait, cancellationToken);
        if (await store.GetAsync(id, cancellationToken) is { Finished: false })
        {
            await finished;
        }

        completions.Forget(id);
    }

    public override async Task<DecisionVerdict> DecideAsync(ActionSnapshot action, DecisionReceived decision, CancellationToken cancellationToken)
    {
        using IDisposable? held = await locks.TryAcquireAsync(action.Id, TimeSpan.FromSeconds(2), cancellationToken);
        StoredAction current = (await store.GetAsync(action.Id, cancellationToken))!;
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
            await store.SaveAsync(new ActionSave(action.Id, current.Version, next.State)
            {
                DueAt = now,
                Eligible = next.State.Status == ProcessStatus.PendingApproval ? ActionSave.EligibleKeys(next.AwaitingDecisionFrom()) : null,
                Rejections = decision.Choice == ApprovalChoice.Reject && verdict.Kind == VerdictKind.Accepted ? [(decision.Approver.Id, decision.At)] : [],
            }, now, cancellationToken);
        }
        else
        {
            await store.EnqueueAsync(action.Id, decision, time.GetUtcNow(), cancellationToken);
        }

        runner.Wake(action.Id);
        return verdict;
    }

    public override async Task<bool> CancelAsync(ActionSnapshot action, CancelRequested cancel, CancellationToken cancellationToken)
    {
        using (IDisposable? held = await locks.TryAcquireAsync(action.Id, TimeSpan.FromSeconds(5), cancellationToken))
        {
            StoredAction current = (await store.GetAsync(action.Id, cancellationToken))!;
            ApprovalProcess process = ApprovalProcess.FromState(current.State);
            if (held is not null && process.Next() is AwaitDecisionStep)
            {
                process = process.Apply(cancel);
                await store.SaveAsync(new ActionSave(action.Id, current.Version, process.State) { DueAt = time.GetUtcNow() }, time.GetUtcNow(), cancellationToken);
            }
            else if (current.State.Status is ProcessStatus.Received or ProcessStatus.PendingApproval)
            {
                await store.EnqueueAsync(action.Id, cancel, time.GetUtcNow(), cancellationToken);
            }
            else
            {
                return false;
            }
        }

        runner.Wake(action.Id);
        return true;
    }

    public override async Task<IReadOnlyList<AuditRecord>> AuditAsync(ActionSnapshot action, CancellationToken cancellationToken)
    {
        // The region's store, and what the audit writer has not written there yet.
        IReadOnlyList<AuditRecord> written = audit.ReadAction(action.State.Region, action.State.ReceivedAt, action.Id);
        List<OutboxRow> waiting = await store.OutboxAsync(1000, action.Id, cancellationToken);
        return [.. written.Concat(waiting.Select(w => AuditRecord.Parse(w.Record.Content))).DistinctBy(r => r.Sequence).OrderBy(r => r.Sequence)];
    }

    public override async Task<IReadOnlyList<ActionSnapshot>> PendingForAsync(TokenCaller approver, int limit, CancellationToken cancellationToken) =>
        [.. (await store.PendingForAsync(approver.PersonKeys(), limit, cancellationToken))
            .Select(r => new ActionSnapshot(r.Id, r.State, ReadOnlyMemory<byte>.Empty, Finished: false, Review: r.Review))];

    public override async Task<IReadOnlyList<ActionSnapshot>> DecidedByAsync(TokenCaller approver, int limit, CancellationToken cancellationToken) =>
        [.. (await store.DecidedByAsync(approver.PersonKeys(), limit, cancellationToken))
            .Select(r => new ActionSnapshot(r.Action.Id, r.Action.State, r.Action.Body, r.Action.Finished, Review: r.Action.Review))];

    public override async Task<IReadOnlyList<ReleaseItem>> ReleasesAsync(long after, int limit, CancellationToken cancellationToken) =>
        [.. (await store.ReleasesAfterAsync(after, limit, cancellationToken)).Select(Item)];

    /// <summary>A release row as the feed and the webhook carry it.</summary>
    public static ReleaseItem Item(ReleaseRow row) =>
        new(row.Seq, row.ActionId, row.ReleasedAt, new ReceiptReference(row.ReceiptId, row.ExpiresAt, row.Receipt), System.Text.Encoding.UTF8.GetString(row.Body));

    private async Task<ActionSnapshot> SnapshotAsync(StoredAction stored, CancellationToken cancellationToken)
    {
        // The feed is ordered by sequence; one action's release is a small indexed lookup via the unique action_id.
        ReleaseRow? release = stored.State.ReceiptId is null ? null : (await store.ReleaseOfAsync(stored.Id, cancellationToken)).FirstOrDefault();
        return Snapshot(stored, release);
    }

    private static ActionSnapshot Snapshot(StoredAction stored, ReleaseRow? release) =>
        new(stored.Id, stored.State, stored.Body, stored.Finished,
            release is null ? null : new ReceiptReference(release.ReceiptId, release.ExpiresAt, release.Receipt), stored.Review);
}
