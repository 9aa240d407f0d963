using ApprovalFunctions.Api.Http;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Microsoft365.Portal;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Api;

/// <summary>
/// The approver portal (built from src/portal by the gateway's build into <c>portal/</c> next to the binaries) under
/// <c>/portal</c>, and its run-time configuration: how people sign in (development identities or Entra ID).
/// </summary>
internal static class PortalEndpoints
{
    public static WebApplication MapPortal(this WebApplication app)
    {
        string root = Path.Combine(AppContext.BaseDirectory, "portal");
        app.MapGet("/", () => Results.Redirect("/portal/")).AllowAnonymous();
        app.MapGet("/portal/config.json", (DevMode dev, IOptions<PortalOptions> portal) =>
            Results.Json(PortalSite.Config(dev.Enabled, portal.Value.ClientId, portal.Value.Authority, portal.Value.Scope))).AllowAnonymous();
        app.MapGet("/portal/{**path}", (HttpContext http, string? path, IOptions<PortalOptions> portal) =>
        {
            if (PortalSite.Resolve(root, path) is not string file)
            {
                return ApiProblems.NotFound("The portal (it is built from src/portal by the gateway's build)");
            }

            http.Response.Headers.ContentSecurityPolicy = PortalSite.ContentSecurityPolicy(portal.Value.Authority);
            foreach ((string name, string value) in PortalSite.Headers)
            {
                http.Response.Headers[name] = value;
            }

            return Results.File(file, PortalSite.ContentType(file));
        }).AllowAnonymous();
        return app;
    }
}
