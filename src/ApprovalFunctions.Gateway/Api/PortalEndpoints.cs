namespace ApprovalFunctions.Gateway.Api;

/// <summary>The approver portal's static assets (built from src/portal) under <c>/portal</c>.</summary>
internal static class PortalEndpoints
{
    public static WebApplication MapPortal(this WebApplication app)
    {
        string root = Path.Combine(AppContext.BaseDirectory, "wwwroot", "portal");
        app.MapGet("/", () => Results.Redirect("/portal/")).AllowAnonymous();
        app.MapGet("/portal/{**path}", (string? path) =>
        {
            string index = Path.Combine(root, "index.html");
            if (!File.Exists(index))
            {
                return ProblemResponses.NotFound("The portal (it is built from src/portal by the gateway's build)");
            }

            // Every portal route is the single-page app; assets are served by name from the build output.
            string candidate = path is null ? index : Path.GetFullPath(Path.Combine(root, path));
            if (!candidate.StartsWith(root, StringComparison.Ordinal) || !File.Exists(candidate))
            {
                candidate = index;
            }

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
