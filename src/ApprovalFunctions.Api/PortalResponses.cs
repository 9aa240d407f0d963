using ApprovalFunctions.Api.Http;
using ApprovalFunctions.Core;
using ApprovalFunctions.Microsoft365.Portal;

namespace ApprovalFunctions.Api;

/// <summary>The approver portal's files and run-time configuration, served the same way by both hosts.</summary>
public static class PortalResponses
{
    /// <summary>The portal's files: <c>portal/</c> next to the host's binaries (each host's build puts them there).</summary>
    public static readonly string Root = Path.Combine(AppContext.BaseDirectory, "portal");

    /// <summary><c>GET /portal/config.json</c>: how people sign in (development identities, or Entra ID).</summary>
    public static ApiResponse Config(PortalOptions portal, bool devMode) =>
        ApiResponse.Json(PortalSite.Config(devMode, Check.NotNull(portal).ClientId, portal.Authority, portal.Scope));

    /// <summary><c>GET /portal/{path}</c>: a file of the portal with its security headers, or a 404 problem.</summary>
    public static ApiResponse File(string? path, PortalOptions portal)
    {
        Check.NotNull(portal);
        if (PortalSite.Resolve(Root, path) is not string file)
        {
            return ApiProblems.NotFound("The portal (it is built from src/portal by the host's build)");
        }

        KeyValuePair<string, string>[] headers = [new("Content-Security-Policy", PortalSite.ContentSecurityPolicy(portal.Authority)), .. PortalSite.Headers];
        return ApiResponse.File(file, PortalSite.ContentType(file), headers);
    }
}
