using System.Collections.Concurrent;
using System.Threading.Channels;
using ApprovalFunctions.Core;
using Microsoft.Extensions.Logging;

namespace ApprovalFunctions.Channels.Slack;

/// <summary>
/// Everything the interaction endpoint needs from Slack: the settings, the Web API, the people links, the signature
/// check with replay protection, and the follow-ups that run after the three-second acknowledgement.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The follow-up worker is disposed by the container through IAsyncDisposable.")]
public sealed class SlackChannel : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly Channel<Func<CancellationToken, Task>> _followUps = System.Threading.Channels.Channel.CreateBounded<Func<CancellationToken, Task>>(
        new BoundedChannelOptions(1_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _worker;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates the channel and starts its follow-up worker.</summary>
    public SlackChannel(SlackOptions options, SlackApi api, SlackPeople people, TimeProvider time, ILogger<SlackChannel> logger)
    {
        Options = Check.NotNull(options);
        Api = Check.NotNull(api);
        People = Check.NotNull(people);
        _time = Check.NotNull(time);
        _logger = Check.NotNull(logger);
        _worker = Task.Run(RunFollowUpsAsync);
    }

    /// <summary>The settings.</summary>
    public SlackOptions Options { get; }

    /// <summary>The Web API.</summary>
    public SlackApi Api { get; }

    /// <summary>Slack users and people.</summary>
    public SlackPeople People { get; }

    /// <summary>
    /// Null when the request is Slack's, recent and seen for the first time (the signature is remembered for the allowed
    /// age, so a replayed request is refused even within it); otherwise why it is refused.
    /// </summary>
    public string? Verify(string? timestamp, string? signature, ReadOnlySpan<byte> body)
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (SlackSignature.Verify(Options.SigningSecret!, timestamp, signature, body, now, Options.MaxRequestAge) is SlackSignatureFailure failure)
        {
            return failure switch
            {
                SlackSignatureFailure.Missing => "the request is not signed",
                SlackSignatureFailure.Stale => "the request's timestamp is too old or in the future",
                _ => "the signature does not match",
            };
        }

        if (_seen.Count > 10_000)
        {
            foreach ((string old, DateTimeOffset until) in _seen)
            {
                if (until <= now)
                {
                    _seen.TryRemove(old, out _);
                }
            }
        }

        return _seen.TryAdd(signature!, now + Options.MaxRequestAge + Options.MaxRequestAge) ? null : "the request was already received (a replay)";
    }

    /// <summary>True when <paramref name="url"/> is Slack's (or the configured API's host, for tests): nothing else gets a follow-up.</summary>
    public bool IsSlackUrl(Uri? url)
    {
        if (url is null)
        {
            return false;
        }

        var api = new Uri(Options.ApiBaseUrl);
        return (url.Scheme == Uri.UriSchemeHttps && (url.Host == "slack.com" || url.Host.EndsWith(".slack.com", StringComparison.OrdinalIgnoreCase)))
            || (url.Scheme == api.Scheme && url.Authority == api.Authority);
    }

    /// <summary>Runs <paramref name="work"/> after the acknowledgement, in order; failures are logged, never thrown.</summary>
    public void FollowUp(Func<CancellationToken, Task> work)
    {
        if (!_followUps.Writer.TryWrite(Check.NotNull(work)))
        {
            ChannelsLog.FollowUpDropped(_logger);
        }
    }

    /// <summary>Waits until every follow-up queued so far ran (tests; shutdown).</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        FollowUp(_ =>
        {
            done.TrySetResult();
            return Task.CompletedTask;
        });
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _followUps.Writer.TryComplete();
        try
        {
            await _worker.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private async Task RunFollowUpsAsync()
    {
        await foreach (Func<CancellationToken, Task> work in _followUps.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await work(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
            {
                string error = LogText.Sanitize(ex.Message, 200);
                ChannelsLog.FollowUpFailed(_logger, "slack", error);
            }
        }
    }
}
