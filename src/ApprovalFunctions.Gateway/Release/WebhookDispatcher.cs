using System.Net;
using System.Net.Http.Headers;
using ApprovalFunctions.Core;
using ApprovalFunctions.Gateway.Api;
using ApprovalFunctions.Gateway.Hosting;
using ApprovalFunctions.Gateway.Logging;
using ApprovalFunctions.Gateway.Runner;
using ApprovalFunctions.Gateway.Storage;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Release;

/// <summary>
/// Delivers released actions to the executor's webhook from the release outbox: POST with <c>Idempotency-Key</c> = the
/// action id, retried with exponential backoff (honouring <c>Retry-After</c>) on timeouts, 408, 429 and 5xx; other
/// 4xx answers and exhausted attempts mark the delivery failed. Executors can always fall back to polling the feed.
/// </summary>
internal sealed class WebhookDispatcher(
    ActionStore store,
    IHttpClientFactory http,
    WebhookSignal signal,
    IOptions<ReleaseOptions> options,
    TimeProvider time,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "webhook";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.WebhookUrl is null)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Deliveries of different actions are independent: a slow executor call must not hold up the others.
                List<ReleaseRow> due = await store.WebhooksDueAsync(time.GetUtcNow(), 64, stoppingToken);
                await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stoppingToken },
                    async (row, ct) => await DeliverAsync(row, ct));
                if (due.Count == 64)
                {
                    continue;
                }

                DateTimeOffset? next = await store.NextWebhookAsync(stoppingToken);
                TimeSpan sleep = next is DateTimeOffset at ? at - time.GetUtcNow() : TimeSpan.FromSeconds(1);
                sleep = sleep < TimeSpan.Zero ? TimeSpan.Zero : sleep > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : sleep;
                await signal.WaitAsync(sleep, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task DeliverAsync(ReleaseRow row, CancellationToken cancellationToken)
    {
        ReleaseOptions settings = options.Value;
        int attempt = row.WebhookAttempts + 1;
        TimeSpan? retryAfter = null;
        string error;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, settings.WebhookUrl)
            {
                Content = new StringContent(ApprovalFunctions.Api.ApprovalsApi.Release(GatewayBackend.Item(row)).ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Idempotency-Key", row.ActionId);
            request.Headers.Add("X-Approvals-Receipt-Id", row.ReceiptId);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.Timeout);
            using HttpResponseMessage response = await http.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                await store.UpdateWebhookAsync(row.Seq, "delivered", attempt, null, null, cancellationToken);
                Log.WebhookDelivered(logger, row.Seq, row.ActionId);
                return;
            }

            error = $"HTTP {(int)response.StatusCode}";
            bool retryable = response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500;
            if (!retryable)
            {
                await store.UpdateWebhookAsync(row.Seq, "failed", attempt, null, error, cancellationToken);
                Log.WebhookFailed(logger, row.Seq, row.ActionId, attempt, error + " (not retried)");
                return;
            }

            retryAfter = RetryAfter(response.Headers.RetryAfter);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            error = ex is OperationCanceledException ? "timed out" : LogText.Sanitize(ex.Message, 200);
        }

        Log.WebhookFailed(logger, row.Seq, row.ActionId, attempt, error);
        if (attempt >= settings.MaxAttempts)
        {
            await store.UpdateWebhookAsync(row.Seq, "failed", attempt, null, error, cancellationToken);
            return;
        }

        TimeSpan backoff = TimeSpan.FromTicks(Math.Min(settings.MaxBackoff.Ticks, settings.InitialBackoff.Ticks << Math.Min(attempt - 1, 20)));
        if (retryAfter is TimeSpan hinted && hinted > backoff)
        {
            backoff = hinted > settings.MaxBackoff ? settings.MaxBackoff : hinted;
        }

        await store.UpdateWebhookAsync(row.Seq, "pending", attempt, time.GetUtcNow() + backoff, error, cancellationToken);
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header) =>
        header?.Delta ?? (header?.Date is DateTimeOffset date ? date - time.GetUtcNow() : null);
}
