using System.Reflection;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Gateway.Release;

namespace ApprovalFunctions.Gateway.Api;

/// <summary>The HTTP API (the same contract as the Functions app). Each endpoint translates to one <see cref="ActionService"/> call.</summary>
internal static class GatewayEndpoints
{
    public static WebApplication MapGatewayApi(this WebApplication app)
    {
        RouteGroupBuilder api = app.MapGroup("/api");

        api.MapPost("/actions", async (HttpContext http, ActionService actions, string? wait) =>
        {
            TimeSpan? waitFor = null;
            if (wait is not null)
            {
                if (!IsoDuration.TryParse(wait, out TimeSpan parsed))
                {
                    return ProblemResponses.BadRequest("wait", "must be an ISO 8601 duration such as PT5S");
                }

                waitFor = parsed;
            }

            (byte[]? body, IResult? problem) = await ReadBodyAsync(http, http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Hosting.GatewayOptions>>().Value.MaxBodyBytes);
            return problem ?? await actions.SubmitAsync(Caller.From(http.User), body!, http.Request.Headers["Idempotency-Key"].FirstOrDefault(), waitFor, http.RequestAborted);
        }).RequireAuthorization(Roles.Agent);

        api.MapGet("/actions/{id}", (HttpContext http, ActionService actions, string id) =>
            actions.StatusAsync(Caller.From(http.User), id, http.RequestAborted)).RequireAuthorization(AuthorizationPolicies.AnyCaller);

        api.MapPost("/actions/{id}/decisions", async (HttpContext http, ActionService actions, string id) =>
        {
            DecisionBody? body = await ReadJsonAsync<DecisionBody>(http);
            if (body is null)
            {
                return ProblemResponses.BadRequest("$", "the body must be a JSON object { decision, comment, actionDigest }");
            }

            string channel = http.Request.Headers["X-Approvals-Channel"].ToString() is "portal" ? "portal" : "api";
            return await actions.DecideAsync(Caller.From(http.User), id, body, http.Request.Headers["Idempotency-Key"].FirstOrDefault(), channel, http.RequestAborted);
        }).RequireAuthorization(Roles.Approver);

        api.MapPost("/actions/{id}/cancel", async (HttpContext http, ActionService actions, string id) =>
        {
            CancelBody? body = http.Request.ContentLength is > 0 ? await ReadJsonAsync<CancelBody>(http) : new CancelBody(null);
            return body is null
                ? ProblemResponses.BadRequest("$", "the body must be empty or a JSON object { reason }")
                : await actions.CancelAsync(Caller.From(http.User), id, body.Reason, http.RequestAborted);
        }).RequireAuthorization(Roles.Agent);

        api.MapGet("/actions/{id}/audit", (HttpContext http, ActionService actions, string id) =>
            actions.AuditAsync(Caller.From(http.User), id, http.RequestAborted)).RequireAuthorization(AuthorizationPolicies.AnyCaller);

        api.MapGet("/actions/{id}/card", (HttpContext http, ActionService actions, string id) =>
            actions.CardAsync(Caller.From(http.User), id, http.RequestAborted)).RequireAuthorization(AuthorizationPolicies.AnyCaller);

        api.MapGet("/approvals", (HttpContext http, ActionService actions, string? status, int? limit) =>
            actions.InboxAsync(Caller.From(http.User), status ?? "pending", limit ?? 100, http.RequestAborted)).RequireAuthorization(Roles.Approver);

        api.MapGet("/releases", (HttpContext http, ActionService actions, long? after, int? limit) =>
            actions.ReleasesAsync(after ?? 0, limit ?? 100, http.RequestAborted)).RequireAuthorization(Roles.Executor);

        api.MapGet("/receipts/keys", (ReceiptKeyStore keys) =>
            Results.Json(keys.Jwks()))
            .AllowAnonymous();

        api.MapGet("/openapi.json", () => Results.Stream(OpenApi(), "application/json")).AllowAnonymous();

        api.MapGet("/me", (HttpContext http) =>
        {
            Caller caller = Caller.From(http.User);
            return Results.Json(new JsonObject
            {
                ["id"] = caller.Id,
                ["displayName"] = caller.DisplayName,
                ["email"] = caller.Email,
                ["authStrength"] = caller.AuthStrength,
                ["roles"] = new JsonArray([.. caller.Roles.Order(StringComparer.Ordinal).Select(r => (JsonNode)r!)]),
            });
        }).RequireAuthorization(AuthorizationPolicies.AnyCaller);

        // Anything else under /api is a problem, not an empty 404.
        api.MapFallback((HttpContext http) => ProblemResponses.NotFound($"The endpoint {LogText.Quote(http.Request.Method + " " + http.Request.Path)}"));

        app.MapGet("/healthz", () => Results.Json(new JsonObject { ["status"] = "ok" })).AllowAnonymous();
        return app;
    }

    /// <summary>Reads the body up to <paramref name="limit"/> bytes; a larger body is a 413 problem and nothing is stored.</summary>
    private static async Task<(byte[]? Body, IResult? Problem)> ReadBodyAsync(HttpContext http, int limit)
    {
        if (http.Request.ContentLength > limit)
        {
            return (null, ProblemResponses.Result(Problem.TooLarge(http.Request.ContentLength.Value, limit)));
        }

        var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limit)
                {
                    return (null, ProblemResponses.Result(Problem.TooLarge(buffer.Length, limit)));
                }
            }
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, ProblemResponses.Result(Problem.TooLarge(limit + 1, limit)));
        }

        return (buffer.ToArray(), null);
    }

    private static async Task<T?> ReadJsonAsync<T>(HttpContext http)
        where T : class
    {
        if (http.Request.ContentLength > 64 * 1024)
        {
            return null;
        }

        try
        {
            return await http.Request.ReadFromJsonAsync<T>(http.RequestAborted);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or NotSupportedException)
        {
            return null;
        }
    }

    private static Stream OpenApi() =>
        Assembly.GetExecutingAssembly().GetManifestResourceStream("ApprovalFunctions.Gateway.Api.openapi.json")
        ?? throw new InvalidOperationException("The OpenAPI document is not embedded.");
}

/// <summary>Authorization policy names beyond the role names.</summary>
internal static class AuthorizationPolicies
{
    public const string AnyCaller = "any-caller";
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
