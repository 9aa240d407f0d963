using System.Text.Json.Nodes;

namespace ApprovalFunctions.Microsoft365.Portal;

/// <summary>
/// How both hosts serve the approver portal (a single-page app built into <c>portal/</c> next to the binaries): which
/// file answers a path, its content type, the security headers, and the run-time configuration document.
/// </summary>
public static class PortalSite
{
    /// <summary>
    /// The file that answers <paramref name="path"/> under <paramref name="root"/>: the asset of that name, or the app's
    /// <c>index.html</c> for every other route; null when the portal was not built. Paths never leave <paramref name="root"/>.
    /// </summary>
    public static string? Resolve(string root, string? path)
    {
        ArgumentNullException.ThrowIfNull(root);
        string index = Path.Combine(root, "index.html");
        if (!File.Exists(index))
        {
            return null;
        }

        string candidate = string.IsNullOrEmpty(path) ? index : Path.GetFullPath(Path.Combine(root, path));
        return candidate.StartsWith(Path.GetFullPath(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(candidate) ? candidate : index;
    }

    /// <summary>
    /// The page runs only its own script; nothing is framed, sniffed or sent to origins other than the sign-in
    /// <paramref name="authority"/> (when Entra sign-in is configured).
    /// </summary>
    public static string ContentSecurityPolicy(string? authority)
    {
        string signIn = Uri.TryCreate(authority, UriKind.Absolute, out Uri? uri) ? " " + uri.GetLeftPart(UriPartial.Authority) : string.Empty;
        return $"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'{signIn}; "
            + $"frame-src 'self'{signIn}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    }

    /// <summary>The headers sent with every portal file besides the content security policy.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Headers { get; } =
    [
        new("X-Content-Type-Options", "nosniff"),
        new("Referrer-Policy", "no-referrer"),
    ];

    /// <summary>The content type of a portal file.</summary>
    public static string ContentType(string path) => Path.GetExtension(path) switch
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

    /// <summary>
    /// <c>/portal/config.json</c>: whether development identities are offered, and Entra sign-in when a client id is set.
    /// </summary>
    public static JsonObject Config(bool devMode, string? clientId, string? authority, string? scope) => new()
    {
        ["devMode"] = devMode,
        ["entra"] = string.IsNullOrWhiteSpace(clientId)
            ? null
            : new JsonObject { ["clientId"] = clientId, ["authority"] = authority, ["scope"] = scope },
    };
}
