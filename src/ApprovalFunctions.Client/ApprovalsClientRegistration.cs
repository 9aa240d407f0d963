using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.DependencyInjection;

namespace ApprovalFunctions.Client;

/// <summary>Registers <see cref="ApprovalsClient"/> as a typed client of <c>IHttpClientFactory</c>, with the standard resilience handler.</summary>
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
        IHttpClientBuilder builder = services.AddHttpClient<ApprovalsClient>(http => http.BaseAddress = options.BaseUrl);

        // Transient failures are retried for reads only: a submission, decision or cancellation is retried by the
        // caller with its idempotency key, never blindly by the pipeline.
        builder.AddStandardResilienceHandler(resilience => resilience.Retry.DisableForUnsafeHttpMethods());
        return builder;
    }
}
