using System.Collections.Concurrent;
using System.Threading.Channels;

namespace ApprovalFunctions.Gateway.Runner;

/// <summary>One lock per action, so that the runner and the HTTP handlers never change an action at the same time.</summary>
internal sealed class ActionLocks
{
    private readonly ConcurrentDictionary<string, Entry> _locks = new(StringComparer.Ordinal);

    /// <summary>Takes the action's lock, or returns null when <paramref name="timeout"/> passes first.</summary>
    public async Task<IDisposable?> TryAcquireAsync(string actionId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Entry entry = _locks.AddOrUpdate(actionId, _ => new Entry(), (_, e) => { Interlocked.Increment(ref e.Users); return e; });
        if (await entry.Semaphore.WaitAsync(timeout, cancellationToken))
        {
            return new Releaser(this, actionId, entry);
        }

        Leave(actionId, entry);
        return null;
    }

    private void Leave(string actionId, Entry entry)
    {
        if (Interlocked.Decrement(ref entry.Users) == 0)
        {
            _locks.TryRemove(new KeyValuePair<string, Entry>(actionId, entry));
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "SemaphoreSlim needs disposing only when its wait handle is used, which it never is here.")]
    private sealed class Entry
    {
        public readonly SemaphoreSlim Semaphore = new(1, 1);
        public int Users = 1;
    }

    private sealed class Releaser(ActionLocks owner, string actionId, Entry entry) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                entry.Semaphore.Release();
                owner.Leave(actionId, entry);
            }
        }
    }
}

/// <summary>Wakes a background loop when work arrives, instead of waiting for its next poll.</summary>
internal abstract class WakeSignal
{
    private readonly Channel<string?> _channel = Channel.CreateUnbounded<string?>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Asks the loop to look at <paramref name="actionId"/> (or at everything due, when null).</summary>
    public void Wake(string? actionId = null) => _channel.Writer.TryWrite(actionId);

    public ChannelReader<string?> Reader => _channel.Reader;

    /// <summary>Waits until woken or until <paramref name="timeout"/> passes, then drains the wake-ups that arrived.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout > TimeSpan.Zero)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(timeout);
            try
            {
                await _channel.Reader.WaitToReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }

        while (_channel.Reader.TryRead(out _))
        {
            // One pass handles every wake-up that arrived meanwhile.
        }
    }
}

/// <summary>Wakes the process runner.</summary>
internal sealed class RunnerSignal : WakeSignal;

/// <summary>Wakes the audit writer.</summary>
internal sealed class AuditSignal : WakeSignal;

/// <summary>Wakes the webhook dispatcher.</summary>
internal sealed class WebhookSignal : WakeSignal;

/// <summary>Lets a submitter wait (<c>?wait=</c>) for its action to finish.</summary>
internal sealed class ActionCompletions
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);

    public Task WaitAsync(string actionId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        TaskCompletionSource source = _waiters.GetOrAdd(actionId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        return source.Task.WaitAsync(timeout, cancellationToken).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public void Completed(string actionId)
    {
        if (_waiters.TryRemove(actionId, out TaskCompletionSource? source))
        {
            source.TrySetResult();
        }
    }

    public void Forget(string actionId) => _waiters.TryRemove(actionId, out _);
}
