using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Gateway.Hosting;
using ApprovalFunctions.Gateway.Logging;
using ApprovalFunctions.Gateway.Runner;
using ApprovalFunctions.Gateway.Storage;

namespace ApprovalFunctions.Gateway.Channels;

/// <summary>Wakes the <see cref="OutcomeSweeper"/> (an action came to rest).</summary>
internal sealed class OutcomeSignal : WakeSignal;

/// <summary>
/// Updates the Slack and Teams messages of every action that left pending approval to show its outcome: woken when an
/// action finishes, and every half minute in any case, from the messages not yet updated (so a crash or a chat outage
/// only delays an update). An action whose update keeps failing is retried with a growing pause, up to ten minutes.
/// </summary>
internal sealed class OutcomeSweeper(
    SqlitePostedMessages messages, ActionStore store, OutcomeUpdates updates, Masker masker, PublicUrls urls, OutcomeSignal signal, TimeProvider time,
    ILogger<OutcomeSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, (int Failures, DateTimeOffset NextAt)> _backoff = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
                await signal.WaitAsync(Idle, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One pass over the settled actions with messages still showing them pending.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        foreach (string id in await messages.SettledWithOpenMessagesAsync(256, cancellationToken))
        {
            if (_backoff.TryGetValue(id, out var wait) && wait.NextAt > now)
            {
                continue;
            }

            int remaining;
            try
            {
                remaining = await UpdateAsync(id, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                string error = LogText.Sanitize(ex.Message, 200);
                Log.MessagesUpdateFailed(logger, id, error);
                remaining = 1;
            }

            if (remaining == 0)
            {
                _backoff.Remove(id);
                continue;
            }

            int failures = (_backoff.TryGetValue(id, out var before) ? before.Failures : 0) + 1;
            _backoff[id] = (failures, now + TimeSpan.FromSeconds(Math.Min(600, 5 << Math.Min(failures, 7))));
        }
    }

    private async Task<int> UpdateAsync(string id, CancellationToken cancellationToken)
    {
        StoredAction? stored = await store.GetAsync(id, cancellationToken);
        if (stored is null || ActionParser.Parse(stored.Body, ActionLimits.Stored).Action is not ActionRequest action)
        {
            return 0;
        }

        (int updated, int remaining) = await updates.UpdateAsync(OutcomeNotice.Of(masker, action, stored.State, urls.Review(id)), cancellationToken);
        Log.MessagesUpdated(logger, id, updated, remaining);
        return remaining;
    }
}
