using ApprovalFunctions.Api.Http;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core;
using ApprovalFunctions.Gateway.Identity;

namespace ApprovalFunctions.Gateway.Api;

/// <summary>Development mode only: the local issuer's metadata, JWKS and token endpoint, and the list of local identities.</summary>
internal static class DevEndpoints
{
    public static WebApplication MapDevIdentities(this WebApplication app)
    {
        RouteGroupBuilder dev = app.MapGroup("/dev").AllowAnonymous();
        dev.MapGet("/.well-known/openid-configuration", (DevIssuer issuer) => Results.Json(new JsonObject
        {
            ["issuer"] = issuer.Configuration.Issuer,
            ["jwks_uri"] = issuer.Configuration.JwksUri,
            ["token_endpoint"] = issuer.Configuration.TokenEndpoint,
            ["id_token_signing_alg_values_supported"] = new JsonArray("ES256"),
        }));

        dev.MapGet("/jwks", (DevIssuer issuer) =>
            Results.Json(new JsonObject { ["keys"] = new JsonArray(JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(issuer.Jwk(), JwkJson.Options))) }));

        dev.MapGet("/identities", (IdentitiesFile identities) => Results.Json(new JsonObject
        {
            ["banner"] = "Development mode: these identities are for local use only.",
            ["people"] = new JsonArray([.. identities.People.Select(p => (JsonNode)new JsonObject
            {
                ["id"] = p.Id,
                ["displayName"] = p.DisplayName,
                ["email"] = p.Email,
                ["groups"] = new JsonArray([.. p.Groups.Select(g => (JsonNode)g!)]),
                ["manager"] = p.Manager,
                ["auditor"] = identities.Auditors.Contains(p.Id, StringComparer.OrdinalIgnoreCase),
            })]),
            ["agents"] = new JsonArray([.. identities.Agents.Select(a => (JsonNode)new JsonObject
            {
                ["id"] = a.Id,
                ["displayName"] = a.DisplayName,
                ["owner"] = a.Owner,
                ["apiKey"] = a.ApiKey,
            })]),
            ["executors"] = new JsonArray([.. identities.Executors.Select(e => (JsonNode)new JsonObject { ["id"] = e.Id, ["apiKey"] = e.ApiKey })]),
        }));

        dev.MapPost("/token", async (HttpContext http, DevIssuer issuer, IdentitiesFile identities, TimeProvider time) =>
        {
            JsonObject? body = null;
            try
            {
                body = await http.Request.ReadFromJsonAsync<JsonObject>(http.RequestAborted);
            }
            catch (System.Text.Json.JsonException)
            {
            }

            string? id = body?["id"]?.GetValue<string>();
            PersonEntry? person = id is null ? null : identities.People.FirstOrDefault(p => string.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase));
            if (person is null)
            {
                return ApiProblems.BadRequest("id", $"must be the id of a person in the identities file, not {LogText.Quote(id)}");
            }

            string token = issuer.TokenFor(person, identities.Auditors.Contains(person.Id, StringComparer.OrdinalIgnoreCase), time.GetUtcNow());
            return Results.Json(new JsonObject { ["access_token"] = token, ["token_type"] = "Bearer", ["expires_in"] = 8 * 3600 });
        });
        return app;
    }
}

/// <summary>Serializes JWKs with their standard member names.</summary>
internal static class JwkJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
    };
}
