using ApprovalFunctions.Core;

namespace ApprovalFunctions.Gateway.Api;

/// <summary>Every error the gateway returns is an RFC 7807 <c>application/problem+json</c> document.</summary>
internal static class ProblemResponses
{
    public const string ContentType = Problem.ContentType;

    public static Task Write(HttpContext context, int status, string type, string title, string detail, IReadOnlyList<FieldError>? errors = null, string? reason = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        string json = new Problem(type, title, status, detail, errors ?? []).ToJson(context.Request.Path, reason);
        return context.Response.WriteAsync(json, context.RequestAborted);
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

    private sealed class ProblemResult(int status, string type, string title, string detail, IReadOnlyList<FieldError>? errors, string? reason) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => Write(httpContext, status, type, title, detail, errors, reason);
    }
}
