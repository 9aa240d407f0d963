using System.Text.Json.Nodes;
using ApprovalFunctions.Gateway.Runner;
using ApprovalFunctions.Gateway.Tests.Support;
using ApprovalFunctions.Tests.Shared;

namespace ApprovalFunctions.Gateway.Tests.Api;

public sealed class ReleaseWebhookTests : IAsyncLifetime
{
    private LocalHttpServer _executor = null!;
    private GatewayFactory _gateway = null!;
    private int _calls;

    public async Task InitializeAsync()
    {
        // The executor is down for its first two calls, then accepts.
        _executor = await LocalHttpServer.StartAsync(async (context, _) =>
        {
            int call = Interlocked.Increment(ref _calls);
            if (call <= 2)
            {
                context.Response.StatusCode = 503;
                context.Response.Headers.RetryAfter = "2";
                return;
            }

            context.Response.StatusCode = 204;
            await Task.CompletedTask;
        });
        _gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Release:WebhookUrl"] = new Uri(_executor.BaseAddress, "execute").ToString(),
            ["Release:InitialBackoff"] = "00:00:01",
            ["Release:MaxAttempts"] = "5",
        });
    }

    public async Task DisposeAsync()
    {
        _gateway.Dispose();
        await _executor.DisposeAsync();
    }

    [Fact]
    public async Task Release_ExecutorUnavailable_IsRetriedWithTheSameIdempotencyKeyUntilDelivered()
    {
        (_, JsonObject released) = await _gateway.Agent().SubmitAsync(Support.Api.Read);
        string id = released.Str("id");

        await WaitUntilAsync(() => _calls >= 1);
        for (int i = 0; i < 10 && _calls < 3; i++)
        {
            // Retries are scheduled on the gateway's clock (Retry-After: 2 s, backoff 1 s doubling).
            _gateway.Clock.Advance(TimeSpan.FromSeconds(3));
            _gateway.Service<WebhookSignal>().Wake();
            await WaitUntilAsync(() => _calls >= Math.Min(3, i + 2), seconds: 2);
        }

        RecordedRequest[] calls = [.. _executor.Requests];
        Assert.Equal(3, calls.Length);
        Assert.All(calls, c => Assert.Equal(id, c.Headers["Idempotency-Key"]));
        Assert.All(calls, c => Assert.Equal("/execute", c.Path));
        JsonObject payload = JsonNode.Parse(calls[^1].Body)!.AsObject();
        Assert.Equal(id, payload.Str("actionId"));
        Assert.Equal(released.Str("receipt.jws"), payload.Str("receipt.jws"));
        Assert.Equal("crm.contact.read", payload.Str("action.type"));

        JsonObject feed = await (await _gateway.Agent("test-executor-key").GetAsync("/api/releases")).Body();
        Assert.Single(feed["items"]!.AsArray());
    }

    private static async Task WaitUntilAsync(Func<bool> condition, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }
}
