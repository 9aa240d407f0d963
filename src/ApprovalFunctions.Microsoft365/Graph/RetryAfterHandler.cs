using System.Net;

namespace ApprovalFunctions.Microsoft365.Graph;

/// <summary>
/// Retries throttled (429) and failed (5xx) calls, waiting as long as the service's <c>Retry-After</c> asks (seconds or
/// an HTTP date) or, without one, with exponential backoff. Gives up after <see cref="MaxAttempts"/> attempts or when
/// the service asks for a longer wait than <see cref="MaxDelay"/>, returning the last response for the caller to report.
/// </summary>
public sealed class RetryAfterHandler : DelegatingHandler
{
    private readonly TimeProvider _time;

    /// <summary>Creates the handler; waits are measured on <paramref name="time"/>.</summary>
    public RetryAfterHandler(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>Attempts per request, the first included.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>The longest single wait.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The first backoff without <c>Retry-After</c>; it doubles per attempt.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            // A retry sends the same body again.
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        for (int attempt = 1; ; attempt++)
        {
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (attempt >= MaxAttempts || !IsTransient(response.StatusCode))
            {
                return response;
            }

            TimeSpan delay = RetryAfter(response) ?? TimeSpan.FromTicks(InitialBackoff.Ticks << (attempt - 1));
            if (delay > MaxDelay)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsTransient(HttpStatusCode status) => status == HttpStatusCode.TooManyRequests || (int)status >= 500;

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        if (retryAfter.Delta is TimeSpan delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        return retryAfter.Date is DateTimeOffset date ? (date - _time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero) : null;
    }
}
