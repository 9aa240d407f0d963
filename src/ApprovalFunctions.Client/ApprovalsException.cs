using System.Net;
using System.Text.Json.Nodes;

namespace ApprovalFunctions.Client;

/// <summary>The host refused a request: the status and its problem document (RFC 7807), with the fields named.</summary>
public sealed class ApprovalsException : Exception
{
    /// <summary>Creates the exception from the host's answer.</summary>
    public ApprovalsException(HttpStatusCode status, JsonObject? problem)
        : base($"The approvals host answered {(int)status}: {problem?["detail"]?.GetValue<string>() ?? problem?["title"]?.GetValue<string>() ?? status.ToString()}")
    {
        Status = status;
        Problem = problem ?? [];
    }

    /// <summary>The HTTP status.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The problem document (empty when the host sent none).</summary>
    public JsonObject Problem { get; }

    /// <summary>The problem's type URI.</summary>
    public string? Type => Problem["type"]?.GetValue<string>();

    /// <summary>The machine-readable reason, for example <c>idempotencyKeyReused</c>.</summary>
    public string? Reason => Problem["reason"]?.GetValue<string>();
}
