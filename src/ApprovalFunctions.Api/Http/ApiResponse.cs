using System.Text.Json.Nodes;
using ApprovalFunctions.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ApprovalFunctions.Api.Http;

/// <summary>
/// One answer of the HTTP API, written the same way by both hosts: the gateway returns it as an <see cref="IResult"/>
/// from minimal APIs, the Functions app as an <see cref="IActionResult"/> from its triggers.
/// </summary>
public sealed class ApiResponse : IResult, IActionResult
{
    private readonly string? _body;
    private readonly string? _file;
    private readonly string? _contentType;
    private readonly KeyValuePair<string, string>[] _headers;

    private ApiResponse(int status, string? body, string? contentType, KeyValuePair<string, string>[] headers, Problem? problem, string? file = null)
    {
        _file = file;
        Status = status;
        _body = body;
        _contentType = contentType;
        _headers = headers;
        Problem = problem;
    }

    /// <summary>The HTTP status code.</summary>
    public int Status { get; }

    /// <summary>The problem, when this answer is one.</summary>
    public Problem? Problem { get; }

    /// <summary>The JSON body as written (the problem document for a problem); null for an empty answer or a file.</summary>
    public string? JsonText => Problem is null ? (_file is null ? _body : null) : Problem.ToJson(null, _body);

    /// <summary>A JSON document; <paramref name="location"/> sets the <c>Location</c> header.</summary>
    public static ApiResponse Json(JsonNode body, int status = StatusCodes.Status200OK, string? location = null) =>
        new(status, Check.NotNull(body).ToJsonString(), "application/json", location is null ? [] : [new("Location", location)], null);

    /// <summary>A JSON document already serialized, with extra headers.</summary>
    public static ApiResponse RawJson(string json, int status, params KeyValuePair<string, string>[] headers) =>
        new(status, Check.NotNull(json), "application/json", headers, null);

    /// <summary>A status with headers and no body.</summary>
    public static ApiResponse Empty(int status, params KeyValuePair<string, string>[] headers) => new(status, null, null, headers, null);

    /// <summary>A file from disk with extra headers (the portal's static files).</summary>
    public static ApiResponse File(string path, string contentType, params KeyValuePair<string, string>[] headers) =>
        new(StatusCodes.Status200OK, null, Check.NotNullOrWhiteSpace(contentType), headers, null, Check.NotNullOrWhiteSpace(path));

    /// <summary>An RFC 7807 problem document; <paramref name="reason"/> is its machine-readable reason.</summary>
    public static ApiResponse ForProblem(Problem problem, string? reason = null, params KeyValuePair<string, string>[] headers)
    {
        Check.NotNull(problem);
        return new ApiResponse(problem.Status, reason, Core.Problem.ContentType, headers, problem);
    }

    /// <summary>Writes the answer.</summary>
    public async Task WriteAsync(HttpContext http)
    {
        Check.NotNull(http);
        HttpResponse response = http.Response;
        response.StatusCode = Status;
        foreach ((string name, string value) in _headers)
        {
            response.Headers[name] = value;
        }

        if (_file is not null)
        {
            response.ContentType = _contentType;
            await response.SendFileAsync(_file, http.RequestAborted).ConfigureAwait(false);
            return;
        }

        string? body = Problem is null ? _body : Problem.ToJson(http.Request.Path, _body);
        if (body is not null)
        {
            response.ContentType = _contentType;
            await response.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    Task IResult.ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext);

    /// <inheritdoc />
    Task IActionResult.ExecuteResultAsync(ActionContext context) => WriteAsync(Check.NotNull(context).HttpContext);
}
