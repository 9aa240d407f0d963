using System.Text.Json.Nodes;
using ApprovalFunctions.Gateway.Hosting;
using ApprovalFunctions.Gateway.Identity;
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
        app.MapGet("/portal/config.json", (DevMode dev, IOptions<PortalOptions> portal) => Results.Json(new JsonObject
        {
            ["devMode"] = dev.Enabled,
            ["entra"] = portal.Value.EntraSignIn
                ? new JsonObject { ["clientId"] = portal.Value.ClientId, ["authority"] = portal.Value.Authority, ["scope"] = portal.Value.Scope }
                : null,
        })).AllowAnonymous();
        app.MapGet("/portal/{**path}", (HttpContext http, string? path, IOptions<PortalOptions> portal) =>
        {
            string index = Path.Combine(root, "index.html");
            if (!File.Exists(index))
            {
                return ProblemResponses.NotFound("The portal (it is built from src/portal by the gateway's build)");
            }

            // Every portal route is the single-page app; assets are served by name from the build output.
            string candidate = path is null ? index : Path.GetFullPath(Path.Combine(root, path));
            if (!candidate.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(candidate))
            {
                candidate = index;
            }

            // The page runs only its own script; nothing is framed, sniffed or sent to origins other than the sign-in authority.
            string signIn = Uri.TryCreate(portal.Value.Authority, UriKind.Absolute, out Uri? authority) ? " " + authority.GetLeftPart(UriPartial.Authority) : string.Empty;
            http.Response.Headers.ContentSecurityPolicy =
                $"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'{signIn}; "
                + $"frame-src 'self'{signIn}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers["Referrer-Policy"] = "no-referrer";
            return Results.File(candidate, ContentType(candidate));
        }).AllowAnonymous();
        return app;
    }

    private static string ContentType(string path) => Path.GetExtension(path) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".json" => "application/json",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        ".woff2" => "font/woff2",
        _ => "application/octet-stream",
    };
}
