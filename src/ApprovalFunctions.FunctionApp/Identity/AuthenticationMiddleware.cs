using ApprovalFunctions.Api.Http;
using ApprovalFunctions.Api.Identity;
using ApprovalFunctions.FunctionApp.Http;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace ApprovalFunctions.FunctionApp.Identity;

/// <summary>
/// Authenticates every HTTP function except the few that are public by nature (receipt keys, the OpenAPI document, the
/// portal's static files, health) or that check their caller themselves (Outlook's <c>Action.Http</c> carries Outlook's
/// token and a card token). Functions are declared <c>AuthorizationLevel.Anonymous</c> because identity is checked
/// here, with Entra tokens and hashed API keys (the shared <see cref="CallerAuthentication"/>, as on the gateway),
/// rather than with shared function keys.
/// </summary>
public sealed class AuthenticationMiddleware(CallerAuthentication authentication) : IFunctionsWorkerMiddleware
{
    private const string CallerKey = "approvals.caller";

    private static readonly HashSet<string> Public = new(StringComparer.Ordinal)
    {
        nameof(PublicFunctions.ReceiptKeys),
        nameof(PublicFunctions.OpenApi),
        nameof(PublicFunctions.Health),
        nameof(PublicFunctions.Portal),
        nameof(PublicFunctions.PortalConfig),
        nameof(PublicFunctions.UnknownEndpoint),
        nameof(ApiFunctions.OutlookAction),
        nameof(ApiFunctions.SlackInteraction),
        nameof(ApiFunctions.TeamsMessages),
    };

    /// <summary>The middleware runs for HTTP-triggered functions only (not for orchestrators and activities).</summary>
    public static bool AppliesTo(FunctionContext context) =>
        context.FunctionDefinition.InputBindings.Values.Any(b => string.Equals(b.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase));

    /// <inheritdoc />
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        HttpContext? http = context.GetHttpContext();
        if (http is null || Public.Contains(context.FunctionDefinition.Name))
        {
            await next(context);
            return;
        }

        CallerAuthenticationResult result = await authentication.AuthenticateAsync(http.Request, context.CancellationToken);
        if (result.Caller is null)
        {
            await ApiProblems.Unauthenticated(result.Failure ?? CallerAuthenticationResult.NoCredentials).WriteAsync(http);
            return;
        }

        SetCaller(context.Items, result.Caller);
        await next(context);
    }

    /// <summary>Records the authenticated caller for the function (tests set it the same way).</summary>
    internal static void SetCaller(IDictionary<object, object> items, TokenCaller caller) => items[CallerKey] = caller;

    /// <summary>The authenticated caller of an HTTP function this middleware ran for.</summary>
    public static TokenCaller Caller(FunctionContext context) =>
        context.Items.TryGetValue(CallerKey, out object? caller) && caller is TokenCaller known
            ? known
            : throw new InvalidOperationException("The function ran without an authenticated caller.");
}
