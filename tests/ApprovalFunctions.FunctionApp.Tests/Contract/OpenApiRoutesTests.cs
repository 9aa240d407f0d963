using System.Reflection;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.Tests.Contract;
using Microsoft.Azure.Functions.Worker;

namespace ApprovalFunctions.FunctionApp.Tests.Contract;

public sealed class OpenApiRoutesTests
{
    [Fact]
    public void OpenApi_DescribesEveryApiFunctionOfTheApp_AndNoOther()
    {
        IEnumerable<(string Method, string Template)> routes =
            from type in typeof(ServiceRegistration).Assembly.GetTypes()
            from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            where method.GetCustomAttribute<FunctionAttribute>() is not null
            from trigger in method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>()
            let template = "/" + trigger.Route
            where (template.StartsWith("/api/", StringComparison.Ordinal) || template == "/healthz") && !template.Contains("{*", StringComparison.Ordinal)
            from verb in trigger.Methods!
            select (verb.ToUpperInvariant(), template);

        Assert.Equal(OpenApiCheck.Operations.Order(), routes.Order());
    }
}
