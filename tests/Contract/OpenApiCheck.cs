using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ApprovalFunctions.Api;

namespace ApprovalFunctions.Tests.Contract;

/// <summary>
/// Holds every answer the contract suite sees against the OpenAPI document both hosts serve: the path and method are
/// documented and so is the status. Together with the route tests of each host, the document cannot drift again.
/// </summary>
public static class OpenApiCheck
{
    private static readonly JsonObject Document = JsonNode.Parse(ApprovalsApi.OpenApiDocument)!.AsObject();

    private static readonly (Regex Pattern, string Template)[] Paths =
    [
        .. Document["paths"]!.AsObject().Select(p => (new Regex("^" + Regex.Replace(Regex.Escape(p.Key), @"\\\{[^}]+}", "[^/]+") + "$"), p.Key)),
    ];

    /// <summary>Every (method, path template) the document describes.</summary>
    public static IEnumerable<(string Method, string Template)> Operations =>
        from path in Document["paths"]!.AsObject()
        from operation in path.Value!.AsObject()
        where operation.Key is "get" or "post" or "put" or "patch" or "delete"
        select (operation.Key.ToUpperInvariant(), path.Key);

    /// <summary>Fails when <paramref name="status"/> for <paramref name="method"/> <paramref name="path"/> is not in the document.</summary>
    public static void AssertDocumented(HttpMethod method, string path, HttpStatusCode status)
    {
        string bare = path.Split('?')[0];
        if (!bare.StartsWith("/api/", StringComparison.Ordinal) && bare != "/healthz")
        {
            return; // the portal's files are not API
        }

        string? template = Paths.FirstOrDefault(p => p.Pattern.IsMatch(bare)).Template;
        if (template is null || Document["paths"]![template]![method.Method.ToLowerInvariant()] is not JsonObject operation)
        {
            // Paths that are not endpoints answer the unknown-endpoint problem, which the document describes once.
            Assert.True(status == HttpStatusCode.NotFound, $"{method} {bare} answered {(int)status} but the OpenAPI document does not describe it");
            return;
        }

        JsonObject responses = operation["responses"]!.AsObject();
        Assert.True(responses.ContainsKey(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            $"{method} {template} answered {(int)status}, which the OpenAPI document does not list (it lists {string.Join(", ", responses.Select(r => r.Key))})");
    }
}
