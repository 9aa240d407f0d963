using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalFunctions.Api.Http;
using ApprovalFunctions.Client;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.AspNetCore.Http;

namespace ApprovalFunctions.Api;

/// <summary>
/// The agent's client, in process: the same calls as <see cref="ApprovalsClient"/> made straight into the host's
/// <see cref="ApprovalsApi"/> as <paramref name="caller"/> (for endpoints that speak for an authenticated agent, such as
/// the gateway's <c>/mcp</c>), with the same answers and refusals as over HTTP.
/// </summary>
public sealed class LocalApprovalsClient(ApprovalsApi api, TokenCaller caller) : ApprovalsClient
{
    /// <inheritdoc />
    public override async Task<ApprovalStatus> SubmitAsync(string actionJson, TimeSpan? wait = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        HttpRequest request = Request(actionJson, wait is TimeSpan w && w > TimeSpan.Zero ? "?wait=" + System.Xml.XmlConvert.ToString(w) : string.Empty);
        if (idempotencyKey is not null)
        {
            request.Headers["Idempotency-Key"] = idempotencyKey;
        }

        return Status(await api.SubmitAsync(request, caller, cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public override async Task<ApprovalStatus> GetAsync(string id, CancellationToken cancellationToken = default) =>
        Status(await api.StatusAsync(caller, id, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<ApprovalStatus> CancelAsync(string id, string? reason = null, CancellationToken cancellationToken = default) =>
        Status(await api.CancelAsync(Request(new JsonObject { ["reason"] = reason }.ToJsonString(), string.Empty), caller, id, cancellationToken).ConfigureAwait(false));

    private static HttpRequest Request(string json, string query)
    {
        var http = new DefaultHttpContext();
        byte[] body = Encoding.UTF8.GetBytes(json);
        http.Request.Body = new MemoryStream(body);
        http.Request.ContentLength = body.Length;
        http.Request.ContentType = "application/json";
        http.Request.QueryString = new QueryString(query);
        return http.Request;
    }

    private static ApprovalStatus Status(ApiResponse response)
    {
        JsonObject? body = response.JsonText is string text ? JsonNode.Parse(text)?.AsObject() : null;
        return response.Status is >= 200 and < 300 && body is not null
            ? new ApprovalStatus(body)
            : throw new ApprovalsException((HttpStatusCode)response.Status, body);
    }
}
