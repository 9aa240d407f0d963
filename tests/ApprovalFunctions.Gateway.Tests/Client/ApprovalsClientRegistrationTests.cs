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
}
