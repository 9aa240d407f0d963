using System.Text.Json;
using ApprovalFunctions.Core;
using Microsoft.AspNetCore.Http;

namespace ApprovalFunctions.FunctionApp.Http;

/// <summary>Reads request bodies with a size limit: a larger body is a 413 problem and nothing is stored.</summary>
internal static class RequestBodies
{
    /// <summary>The body, or the problem to answer with.</summary>
    public static async Task<(byte[]? Body, Problem? Problem)> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return (null, Problem.TooLarge(request.ContentLength.Value, limit));
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit)
            {
                return (null, Problem.TooLarge(buffer.Length, limit));
            }
        }

        return (buffer.ToArray(), null);
    }

    /// <summary>A small JSON body as <typeparamref name="T"/>, or null when it is not one.</summary>
    public static async Task<T?> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        (byte[]? body, Problem? problem) = await ReadAsync(request, 64 * 1024, cancellationToken).ConfigureAwait(false);
        if (problem is not null || body is null || body.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(body, Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
}

/// <summary>The body of <c>POST /api/actions/{id}/decisions</c>; the approver's identity comes from their credentials.</summary>
/// <param name="Decision"><c>approve</c> or <c>reject</c>.</param>
/// <param name="Comment">Why (required to reject).</param>
/// <param name="ActionDigest">The digest of the action the approver reviewed.</param>
internal sealed record DecisionBody(string? Decision, string? Comment, string? ActionDigest);

/// <summary>The body of <c>POST /api/actions/{id}/cancel</c>.</summary>
/// <param name="Reason">Why.</param>
internal sealed record CancelBody(string? Reason);
