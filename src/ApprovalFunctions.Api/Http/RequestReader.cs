using System.Text.Json;
using ApprovalFunctions.Core;
using Microsoft.AspNetCore.Http;

namespace ApprovalFunctions.Api.Http;

/// <summary>Reads request bodies with a size limit: a larger body is a 413 problem and nothing is stored.</summary>
public static class RequestReader
{
    /// <summary>The limit for the small JSON bodies (decisions, cancellations).</summary>
    public const int SmallBodyBytes = 64 * 1024;

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>The body, or the problem to answer with.</summary>
    public static async Task<(byte[]? Body, ApiResponse? Problem)> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        if (request.ContentLength > limit)
        {
            return (null, ApiResponse.ForProblem(Problem.TooLarge(request.ContentLength.Value, limit)));
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limit)
                {
                    return (null, ApiResponse.ForProblem(Problem.TooLarge(buffer.Length, limit)));
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The server's own limit struck first.
            return (null, ApiResponse.ForProblem(Problem.TooLarge(limit + 1L, limit)));
        }

        return (buffer.ToArray(), null);
    }

    /// <summary>
    /// A small JSON object as <typeparamref name="T"/>; an empty body is <paramref name="empty"/> when one is allowed.
    /// Anything else is a 400 naming what the body must be.
    /// </summary>
    public static async Task<(T? Value, ApiResponse? Problem)> ReadJsonAsync<T>(HttpRequest request, string expected, T? empty, CancellationToken cancellationToken)
        where T : class
    {
        (byte[]? body, ApiResponse? problem) = await ReadAsync(request, SmallBodyBytes, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return (null, problem);
        }

        if (body!.Length == 0 && empty is not null)
        {
            return (empty, null);
        }

        try
        {
            T? value = body.Length == 0 ? null : JsonSerializer.Deserialize<T>(body, Web);
            return value is null ? (null, ApiProblems.BadRequest("$", expected)) : (value, null);
        }
        catch (JsonException)
        {
            return (null, ApiProblems.BadRequest("$", expected));
        }
    }
}

/// <summary>The body of <c>POST /api/actions/{id}/decisions</c>. The approver's identity comes from their credentials, never from here.</summary>
/// <param name="Decision"><c>approve</c> or <c>reject</c>.</param>
/// <param name="Comment">Why (required to reject).</param>
/// <param name="ActionDigest">The digest of the action the approver reviewed.</param>
public sealed record DecisionBody(string? Decision, string? Comment, string? ActionDigest);

/// <summary>The body of <c>POST /api/actions/{id}/cancel</c>.</summary>
/// <param name="Reason">Why.</param>
public sealed record CancelBody(string? Reason);
