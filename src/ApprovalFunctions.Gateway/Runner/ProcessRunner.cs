using System.Collections.Concurrent;
using System.Threading.Channels;
using ApprovalFunctions.Gateway.Hosting;
using ApprovalFunctions.Gateway.Storage;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Runner;

/// <summary>
/// Finds due actions (new ones, decisions in their inbox, timers that are due) and advances them with bounded concurrency,
/// one worker per action at a time. Everything it needs is in the database, so a restart resumes exactly where it was.
/// </summary>
internal sealed class ProcessRunner(
    ActionStore store,
    StepExecutor executor,
    ActionLocks locks,
    RunnerSignal signal,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<ProcessRunner> logger) : BackgroundService
{
    private static readonly TimeSpan MaxSleep = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<string, bool> _inFlight = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int concurrency = options.Value.RunnerConcurrency;
        Channel<string> work = Channel.CreateBounded<string>(new BoundedChannelOptions(concurrency * 4) { FullMode = BoundedChannelFullMode.Wait });
        Task[] workers = Enumerable.Range(0, concurrency).Select(_ => WorkAsync(work.Reader, stoppingToken)).ToArray();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                List<string> due = await store.DueAsync(time.GetUtcNow(), 256, stoppingToken);
                foreach (string id in due)
                {
                    if (_inFlight.TryAdd(id, true))
                    {
                        await work.Writer.WriteAsync(id, stoppingToken);
                    }
                }

                if (due.Count == 256)
                {
                    continue; // more are due: keep feeding the workers
                }

                DateTimeOffset? next = await store.NextDueAsync(stoppingToken);
                TimeSpan sleep = next is DateTimeOffset at ? at - time.GetUtcNow() : MaxSleep;
                sleep = sleep < TimeSpan.Zero ? TimeSpan.Zero : sleep > MaxSleep ? MaxSleep : sleep;
                await WaitForSignalAsync(sleep, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            work.Writer.TryComplete();
            await Task.WhenAll(workers);
        }
    }

    private async Task WaitForSignalAsync(TimeSpan sleep, CancellationToken stoppingToken)
    {
        if (sleep == TimeSpan.Zero)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(sleep);
        try
        {
            await signal.Reader.WaitToReadAsync(timeout.Token);
            while (signal.Reader.TryRead(out _))
            {
                // Drain: one scan handles every wake-up that arrived meanwhile.
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WorkAsync(ChannelReader<string> reader, CancellationToken stoppingToken)
    {
        await foreach (string id in reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                if (stoppingToken.IsCancellationRequested)
                {
                    continue;
                }

                using IDisposable? held = await locks.TryAcquireAsync(id, TimeSpan.FromSeconds(30), stoppingToken);
                if (held is not null)
                {
                    await executor.RunAsync(id, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (ConcurrencyException)
            {
                // Someone else changed it; it is still due and will be picked up again.
            }
            catch (Exception ex)
            {
                Logging.Log.StepFailed(logger, ex, id, "runner");
            }
            finally
            {
                _inFlight.TryRemove(id, out _);
            }
        }
    }
}
