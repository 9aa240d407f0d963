using Microsoft.Extensions.DependencyInjection;

namespace ApprovalFunctions.Client;

/// <summary>Registers <see cref="ApprovalsClient"/> as a typed client of <c>IHttpClientFactory</c>.</summary>
public static class ApprovalsClientRegistration
{
    /// <summary>Adds the client; <paramref name="configure"/> sets the host's URL and the agent's credentials (checked here).</summary>
    public static IHttpClientBuilder AddApprovalsClient(this IServiceCollection services, Action<ApprovalsClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ApprovalsClientOptions();
        configure(options);
        if (options.Problem() is string problem)
        {
            throw new ArgumentException(problem, nameof(configure));
        }

        services.AddSingleton(options);
        return services.AddHttpClient<ApprovalsClient>(http => http.BaseAddress = options.BaseUrl);
    }
}
