using ApprovalFunctions.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ApprovalFunctions.Gateway.Tests.Client;

public sealed class ApprovalsClientRegistrationTests
{
    [Fact]
    public void AddApprovalsClient_WithAnApiKey_ResolvesATypedClientOfTheHttpClientFactory()
    {
        var services = new ServiceCollection();
        services.AddApprovalsClient(o =>
        {
            o.BaseUrl = new Uri("http://localhost:7071");
            o.ApiKey = "dev-etl-agent-key";
        });
        using ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        ApprovalsClient client = provider.GetRequiredService<ApprovalsClient>();

        Assert.NotNull(client);
        Assert.Equal("dev-etl-agent-key", provider.GetRequiredService<ApprovalsClientOptions>().ApiKey);
    }

    [Theory]
    [InlineData(null, "key", "BaseUrl")]
    [InlineData("http://localhost:7071", null, "ApiKey or a Credential")]
    public void AddApprovalsClient_IncompleteOptions_AreRefusedAtRegistration(string? url, string? key, string named)
    {
        var services = new ServiceCollection();

        ArgumentException error = Assert.Throws<ArgumentException>(() => services.AddApprovalsClient(o =>
        {
            o.BaseUrl = url is null ? null : new Uri(url);
            o.ApiKey = key;
        }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddApprovalsClient_TransientFailures_AreRetriedForReadsButNeverForSubmissions()
    {
        var host = new FlakyHost();
        var services = new ServiceCollection();
        services.AddApprovalsClient(o =>
        {
            o.BaseUrl = new Uri("http://approvals.test");
            o.ApiKey = "key";
        }).ConfigurePrimaryHttpMessageHandler(() => host);
        using ServiceProvider provider = services.BuildServiceProvider();
        ApprovalsClient client = provider.GetRequiredService<ApprovalsClient>();

        ApprovalStatus status = await client.GetAsync("act_000000000000000000000001");
        ApprovalsException submit = await Assert.ThrowsAsync<ApprovalsException>(() => client.SubmitAsync("""{"type":"x","summary":"s"}"""));

        Assert.Equal("pendingApproval", status.Status);
        Assert.Equal(2, host.Calls(HttpMethod.Get)); // a 503, then the answer
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, submit.Status);
        Assert.Equal(1, host.Calls(HttpMethod.Post)); // not retried: only the caller may, with its idempotency key
    }

    /// <summary>A host that answers every first request with 503, and a status to a retried read.</summary>
    private sealed class FlakyHost : HttpMessageHandler
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<HttpMethod, int> _calls = new();

        public int Calls(HttpMethod method) => _calls.GetValueOrDefault(method);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            int call = _calls.AddOrUpdate(request.Method, 1, (_, n) => n + 1);
            return Task.FromResult(call == 1 || request.Method != HttpMethod.Get
                ? new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable)
                : new HttpResponseMessage(System.Net.HttpStatusCode.OK)
                {
                    Content = new StringContent("""{"id":"act_000000000000000000000001","status":"pendingApproval","finished":false}"""),
                });
        }
    }
}
