using System.Text.Json.Nodes;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Receipts;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.Microsoft365.Portal;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ApprovalFunctions.FunctionApp.Http;

/// <summary>
/// What anyone may read (receipt keys, the OpenAPI document, health, the portal and its configuration), and the one
/// gateway endpoint the Functions app answers differently: the release feed, which on Azure is a Service Bus queue.
/// </summary>
public sealed class PublicFunctions(ReceiptPublicKey receiptKey, PortalOptions portal, ApprovalsOptions options)
{
    private static readonly string PortalRoot = Path.Combine(AppContext.BaseDirectory, "portal");

    /// <summary><c>GET /api/receipts/keys</c>: the JWKS executors verify receipts with.</summary>
    [Function(nameof(ReceiptKeys))]
    public IActionResult ReceiptKeys([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/receipts/keys")] HttpRequest request) =>
        HttpResults.Json(ReceiptSigningKeys.Jwks(receiptKey.Key));

    /// <summary><c>GET /api/openapi.json</c>: the same contract as the gateway.</summary>
    [Function(nameof(OpenApi))]
    public IActionResult OpenApi([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/openapi.json")] HttpRequest request) =>
        new FileStreamResult(
            typeof(PublicFunctions).Assembly.GetManifestResourceStream("ApprovalFunctions.FunctionApp.openapi.json")
                ?? throw new InvalidOperationException("The OpenAPI document is not embedded in the app."),
            "application/json");

    /// <summary><c>GET /healthz</c>: the worker answers (the platform's own health checks cover the rest).</summary>
    [Function(nameof(Health))]
    public IActionResult Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "healthz")] HttpRequest request) =>
        HttpResults.Json(new JsonObject { ["status"] = "ok" });

    /// <summary><c>GET /portal/config.json</c>: Entra sign-in (the Functions app has no development identities).</summary>
    [Function(nameof(PortalConfig))]
    public IActionResult PortalConfig([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "portal/config.json")] HttpRequest request) =>
        HttpResults.Json(PortalSite.Config(devMode: false, portal.ClientId, portal.Authority, portal.Scope));

    /// <summary><c>GET /portal/…</c>: the approver portal, built into the app's folder.</summary>
    [Function(nameof(Portal))]
    public IActionResult Portal(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "portal/{*path}")] HttpRequest request,
        string? path)
    {
        if (PortalSite.Resolve(PortalRoot, path) is not string file)
        {
            return HttpResults.NotFound("The portal (it is built from src/portal by the app's build)");
        }

        IHeaderDictionary headers = request.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = PortalSite.ContentSecurityPolicy(portal.Authority);
        foreach ((string name, string value) in PortalSite.Headers)
        {
            headers[name] = value;
        }

        return new PhysicalFileResult(file, PortalSite.ContentType(file));
    }

    /// <summary>
    /// <c>GET /api/releases</c>: the gateway's release feed. On Azure, released actions (with their receipts) go to a
    /// Service Bus queue instead, so executors get at-least-once delivery with duplicate detection and dead-lettering.
    /// </summary>
    [Function(nameof(Releases))]
    public IActionResult Releases([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/releases")] HttpRequest request) =>
        HttpResults.Problem(501, "urn:approval-functions:problem:release-feed-on-service-bus", "The release feed is a Service Bus queue here.",
            $"Read released actions from the queue {LogText.Quote(options.ReleaseQueue)} of {LogText.Quote(options.ServiceBusNamespace)} "
            + "(message id = action id; the receipt is in the message's application properties).");
}
