using System.Text.Json.Nodes;
using ApprovalFunctions.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ApprovalFunctions.FunctionApp.Http;

/// <summary>Responses with the same shapes as the gateway's: JSON documents and RFC 7807 problems.</summary>
internal static class HttpResults
{
    public static IActionResult Json(JsonNode body, int status = StatusCodes.Status200OK, string? location = null) =>
        new JsonNodeResult(body, status, location, "application/json");

    public static IActionResult Problem(int status, string type, string title, string detail, string? reason = null, IReadOnlyList<FieldError>? errors = null) =>
        new ProblemResult(new Core.Problem(type, title, status, detail, errors ?? []), reason);

    public static IActionResult Problem(Core.Problem problem) => new ProblemResult(problem, null);

    public static IActionResult NotFound(string what) =>
        Problem(404, "urn:approval-functions:problem:not-found", "Not found.", $"{what} does not exist or is not visible to you.");

    public static IActionResult BadRequest(string field, string message) =>
        Problem(400, "urn:approval-functions:problem:invalid-request", "The request is invalid.", $"{field}: {message}", errors: [new FieldError(field, message)]);

    public static IActionResult Conflict(string detail, string? reason = null) =>
        Problem(409, "urn:approval-functions:problem:conflict", "The request conflicts with the action's state.", detail, reason);

    public static IActionResult Forbidden(string detail) =>
        Problem(403, "urn:approval-functions:problem:forbidden", "You may not do this.", detail);

    /// <summary>Writes a problem directly (middleware, before any function runs).</summary>
    public static Task WriteProblemAsync(HttpContext http, int status, string type, string title, string detail)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = Core.Problem.ContentType;
        return http.Response.WriteAsync(new Core.Problem(type, title, status, detail, []).ToJson(http.Request.Path), http.RequestAborted);
    }

    private sealed class JsonNodeResult(JsonNode body, int status, string? location, string contentType) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context)
        {
            HttpResponse response = context.HttpContext.Response;
            response.StatusCode = status;
            response.ContentType = contentType;
            if (location is not null)
            {
                response.Headers.Location = location;
            }

            return response.WriteAsync(body.ToJsonString(), context.HttpContext.RequestAborted);
        }
    }

    private sealed class ProblemResult(Core.Problem problem, string? reason) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context)
        {
            HttpResponse response = context.HttpContext.Response;
            response.StatusCode = problem.Status;
            response.ContentType = Core.Problem.ContentType;
            return response.WriteAsync(problem.ToJson(context.HttpContext.Request.Path, reason), context.HttpContext.RequestAborted);
        }
    }
}
