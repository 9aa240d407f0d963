using System.Text.Json;
using ApprovalFunctions.Core;

namespace ApprovalFunctions.Gateway.Api;

/// <summary>Every error the gateway returns is an RFC 7807 <c>application/problem+json</c> document.</summary>
internal static class ProblemResponses
{
    public const string ContentType = "application/problem+json";

    public static Task Write(HttpContext context, int status, string type, string title, string detail, IReadOnlyList<FieldError>? errors = null, string? reason = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        return context.Response.WriteAsync(Json(status, type, title, detail, errors, reason, context.Request.Path), context.RequestAborted);
    }

    public static IResult Result(Problem problem, string? reason = null) =>
        Result(problem.Status, problem.Type, problem.Title, problem.Detail, problem.Errors, reason);

    public static IResult Result(int status, string type, string title, string detail, IReadOnlyList<FieldError>? errors = null, string? reason = null) =>
        new ProblemResult(status, type, title, detail, errors, reason);

    public static IResult NotFound(string what) =>
        Result(404, "urn:approval-functions:problem:not-found", "Not found.", $"{what} does not exist or is not visible to you.");

    public static IResult BadRequest(string field, string message) =>
        Result(400, "urn:approval-functions:problem:invalid-request", "The request is invalid.", $"{field}: {message}", [new FieldError(field, message)]);

    public static IResult Conflict(string detail, string? reason = null) =>
        Result(409, "urn:approval-functions:problem:conflict", "The request conflicts with the action's state.", detail, reason: reason);

    private static string Json(int status, string type, string title, string detail, IReadOnlyList<FieldError>? errors, string? reason, string instance)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteString("title", title);
            writer.WriteNumber("status", status);
            writer.WriteString("detail", detail);
            writer.WriteString("instance", instance);
            if (reason is not null)
            {
                writer.WriteString("reason", reason);
            }

            if (errors is { Count: > 0 })
            {
                writer.WriteStartArray("errors");
                foreach (FieldError error in errors)
                {
                    writer.WriteStartObject();
                    writer.WriteString("field", error.Field);
                    writer.WriteString("message", error.Message);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private sealed class ProblemResult(int status, string type, string title, string detail, IReadOnlyList<FieldError>? errors, string? reason) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => Write(httpContext, status, type, title, detail, errors, reason);
    }
}
