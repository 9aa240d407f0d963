using ApprovalFunctions.Api;
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
        app.MapGet("/", () => Results.Redirect("/portal/")).AllowAnonymous();
        app.MapGet("/portal/config.json", (DevMode dev, IOptions<PortalOptions> portal) => PortalResponses.Config(portal.Value, dev.Enabled)).AllowAnonymous();
        app.MapGet("/portal/{**path}", (string? path, IOptions<PortalOptions> portal) => PortalResponses.File(path, portal.Value)).AllowAnonymous();
        return app;
    }
}
