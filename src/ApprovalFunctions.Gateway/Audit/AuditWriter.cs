using ApprovalFunctions.Gateway.Logging;
using ApprovalFunctions.Gateway.Runner;
using ApprovalFunctions.Gateway.Storage;

namespace ApprovalFunctions.Gateway.Audit;

/// <summary>
/// Writes committed audit records from the database outbox to their region's store, oldest first, and removes them from
/// the outbox once their files exist. Records are durable from the commit that created them; a crash only delays their
/// files. At shutdown the outbox is drained.
/// </summary>
internal sealed class AuditWriter(ActionStore store, FileAuditStore files, AuditSignal signal, ILogger<AuditWriter> logger) : BackgroundService
{
    private const int BatchSize = 256;
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AfterFailure = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DrainAtStop = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                int written = await WriteBatchAsync(stoppingToken);
                if (written < 0)
                {
                    await Task.Delay(AfterFailure, stoppingToken);
                }
                else if (written < BatchSize)
                {
                    await signal.WaitAsync(Poll, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(DrainAtStop);
        try
        {
            while (await WriteBatchAsync(drain.Token) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
            // What is left is written at the next start.
        }
    }

    /// <summary>Writes one batch; returns how many records were written, or -1 when a write failed.</summary>
    private async Task<int> WriteBatchAsync(CancellationToken cancellationToken)
    {
        List<OutboxRow> rows = await store.OutboxAsync(BatchSize, cancellationToken: cancellationToken);
        var done = new List<long>(rows.Count);
        bool failed = false;
        foreach (OutboxRow row in rows)
        {
            try
            {
                files.Write(row.Record.Region, row.Record.Key, row.Record.Content);
                done.Add(row.Seq);
            }
            catch (AuditConflictException ex)
            {
                // Never overwrite evidence: leave the record in the outbox and shout. An operator must look at the store.
                Log.AuditConflict(logger, row.Record.ActionId, ex.Message);
                failed = true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                Log.AuditWriteFailed(logger, row.Record.ActionId, ex.Message);
                failed = true;
                break; // keep order: later records of the same action wait for this one
            }
        }

        if (done.Count > 0)
        {
            await store.RemoveFromOutboxAsync(done, cancellationToken);
        }

        return failed ? -1 : done.Count;
    }
}
