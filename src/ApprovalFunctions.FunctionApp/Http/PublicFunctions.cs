using ApprovalFunctions.Api;
using ApprovalFunctions.Api.Http;
using ApprovalFunctions.Core.Receipts;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.Microsoft365.Portal;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ApprovalFunctions.FunctionApp.Http;

/// <summary>
/// What anyone may read (receipt keys, the OpenAPI document, health, the portal and its configuration), and the
/// problem answer for any other path under <c>/api</c>.
/// </summary>
public sealed class PublicFunctions(ReceiptPublicKey receiptKey, PortalOptions portal)
{
    /// <summary><c>GET /api/receipts/keys</c>: the JWKS executors verify receipts with.</summary>
    [Function(nameof(ReceiptKeys))]
    public IActionResult ReceiptKeys([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/receipts/keys")] HttpRequest request) =>
        ApiResponse.Json(ReceiptSigningKeys.Jwks(receiptKey.Key));

    /// <summary><c>GET /api/openapi.json</c>: the same contract as the gateway.</summary>
    [Function(nameof(OpenApi))]
    public IActionResult OpenApi([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/openapi.json")] HttpRequest request) =>
        ApprovalsApi.OpenApi();

    /// <summary><c>GET /healthz</c>: the worker answers (the platform's own health checks cover the rest).</summary>
    [Function(nameof(Health))]
    public IActionResult Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "healthz")] HttpRequest request) =>
        ApprovalsApi.Health();

    /// <summary><c>GET /portal/config.json</c>: Entra sign-in (the Functions app has no development identities).</summary>
    [Function(nameof(PortalConfig))]
    public IActionResult PortalConfig([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "portal/config.json")] HttpRequest request) =>
        PortalResponses.Config(portal, devMode: false);

    /// <summary><c>GET /portal/…</c>: the approver portal, built into the app's folder.</summary>
    [Function(nameof(Portal))]
    public IActionResult Portal(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "portal/{*path}")] HttpRequest request,
        string? path) =>
        PortalResponses.File(path, portal);

    /// <summary>Any other path under <c>/api</c>: a problem document, for every caller (routes with literal segments win over this one).</summary>
    [Function(nameof(UnknownEndpoint))]
    public IActionResult UnknownEndpoint(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = "api/{*path}")] HttpRequest request) =>
        ApprovalsApi.UnknownEndpoint(request);
}
