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
    private const int ScanSize = 256;

    private static readonly TimeSpan MaxSleep = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan AfterFailure = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, bool> _inFlight = new(StringComparer.Ordinal);

    // Actions whose run failed outside the executor's own handling (the database itself): left alone for a while.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _resting = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int concurrency = options.Value.RunnerConcurrency;
        Channel<string> work = Channel.CreateBounded<string>(new BoundedChannelOptions(concurrency * 4) { FullMode = BoundedChannelFullMode.Wait });
        Task[] workers = Enumerable.Range(0, concurrency).Select(_ => WorkAsync(work.Reader, stoppingToken)).ToArray();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                List<string> due = await store.DueAsync(time.GetUtcNow(), ScanSize, stoppingToken);
                int started = 0;
                foreach (string id in due)
                {
                    if (_resting.TryGetValue(id, out DateTimeOffset until) && until > time.GetUtcNow())
                    {
                        continue;
                    }

                    if (_inFlight.TryAdd(id, true))
                    {
                        started++;
                        await work.Writer.WriteAsync(id, stoppingToken);
                    }
                }

                if (due.Count == ScanSize && started > 0)
                {
                    continue; // more are due: keep feeding the workers
                }

                // Actions being worked on stay due until their worker commits; a worker that finishes wakes this loop.
                DateTimeOffset? next = started == 0 && due.Count > 0 ? null : await store.NextDueAsync(stoppingToken);
                TimeSpan sleep = next is DateTimeOffset at ? at - time.GetUtcNow() : MaxSleep;
                sleep = sleep < TimeSpan.Zero ? TimeSpan.Zero : sleep > MaxSleep ? MaxSleep : sleep;
                await signal.WaitAsync(sleep, stoppingToken);
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
                    _resting.TryRemove(id, out _);
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
                _resting[id] = time.GetUtcNow() + AfterFailure;
            }
            finally
            {
                _inFlight.TryRemove(id, out _);
                signal.Wake();
            }
        }
    }
}
