using ApprovalFunctions.Gateway.Tests.Support;
using ApprovalFunctions.Tests.Contract;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ApprovalFunctions.Gateway.Tests.Contract;

public sealed class OpenApiRoutesTests
{
    [Fact]
    public void OpenApi_DescribesEveryApiRouteOfTheGateway_AndNoOther()
    {
        using var gateway = new GatewayFactory();
        _ = gateway.Server; // builds the app, so its endpoints are mapped

        IEnumerable<(string Method, string Template)> routes =
            from endpoint in gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            let template = "/" + endpoint.RoutePattern.RawText!.TrimStart('/')
            where (template.StartsWith("/api/", StringComparison.Ordinal) || template == "/healthz") && !template.Contains("{*", StringComparison.Ordinal)
            from method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []
            select (method, template);

        Assert.Equal(OpenApiCheck.Operations.Order(), routes.Order());
    }
}
