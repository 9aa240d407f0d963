using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Receipts;
using Azure.Core;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Client;

/// <summary>
/// An agent's client of the approvals API, for the gateway and the Functions app alike: submit an action, read or wait
/// for its status, cancel it, and verify its receipt before acting. Refusals raise <see cref="ApprovalsException"/>
/// with the host's problem document. Members are virtual so that agents' tests can fake it.
/// </summary>
public class ApprovalsClient
{
    private readonly HttpClient _http;
    private readonly ApprovalsClientOptions _options;
    private (IReadOnlyList<SecurityKey> Keys, DateTimeOffset Until)? _keys;
    private AccessToken? _token;

    /// <summary>For mocking.</summary>
    protected ApprovalsClient()
    {
        _http = null!;
        _options = null!;
    }

    /// <summary>Creates a client over <paramref name="http"/> (from <c>IHttpClientFactory</c>, or any) with <paramref name="options"/>.</summary>
    public ApprovalsClient(HttpClient http, ApprovalsClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problem() is string problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        _http = http;
        _options = options;
    }

    /// <summary>
    /// Submits an action (the action request v1 JSON) and waits up to <paramref name="wait"/> (capped by the host) for
    /// the outcome. A retry with the same <paramref name="idempotencyKey"/> (or body <c>idempotencyKey</c>) is the same action.
    /// </summary>
    public virtual async Task<ApprovalStatus> SubmitAsync(string actionJson, TimeSpan? wait = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionJson);
        string query = wait is TimeSpan w && w > TimeSpan.Zero ? "?wait=" + Uri.EscapeDataString(System.Xml.XmlConvert.ToString(w)) : string.Empty;
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/actions" + query) { Content = new StringContent(actionJson, Encoding.UTF8, "application/json") };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return new ApprovalStatus(await SendAsync(request, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Submits a parsed action (its JSON as parsed); see <see cref="SubmitAsync(string, TimeSpan?, string?, CancellationToken)"/>.</summary>
    public virtual Task<ApprovalStatus> SubmitAsync(ActionRequest action, TimeSpan? wait = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SubmitAsync(Core.Check.NotNull(action).Document.GetRawText(), wait, idempotencyKey, cancellationToken);

    /// <summary>
    /// Released actions after <paramref name="after"/> (executors; the gateway's feed). A host whose releases go to a
    /// queue (the Functions app: Service Bus) answers with an <see cref="ApprovalsException"/> of status 501 naming it.
    /// </summary>
    public virtual async Task<ReleasePage> ReleasesAsync(long after = 0, int limit = 100, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/releases?after={after.ToString(CultureInfo.InvariantCulture)}&limit={limit.ToString(CultureInfo.InvariantCulture)}");
        JsonObject page = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return new ReleasePage([.. page["items"]!.AsArray().OfType<JsonObject>()], page["next"]!.GetValue<long>());
    }

    /// <summary>The action's status.</summary>
    public virtual async Task<ApprovalStatus> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/actions/" + Uri.EscapeDataString(Id(id)));
        return new ApprovalStatus(await SendAsync(request, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Polls the status until the action finished or <paramref name="timeout"/> passed (then returns the last status),
    /// backing off from 250 ms to 5 s and honouring the host's <c>Retry-After</c>.
    /// </summary>
    public virtual async Task<ApprovalStatus> WaitAsync(string id, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        DateTimeOffset until = _options.Time.GetUtcNow() + timeout;
        TimeSpan delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/actions/" + Uri.EscapeDataString(Id(id)));
            (JsonObject body, TimeSpan? retryAfter) = await SendWithRetryAfterAsync(request, cancellationToken).ConfigureAwait(false);
            var status = new ApprovalStatus(body);
            TimeSpan left = until - _options.Time.GetUtcNow();
            if (status.Finished || left <= TimeSpan.Zero)
            {
                return status;
            }

            TimeSpan pause = retryAfter ?? delay;
            await Task.Delay(pause < left ? pause : left, _options.Time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
        }
    }

    /// <summary>Cancels the action while it is pending; returns its status after.</summary>
    public virtual async Task<ApprovalStatus> CancelAsync(string id, string? reason = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/actions/" + Uri.EscapeDataString(Id(id)) + "/cancel")
        {
            Content = new StringContent(new JsonObject { ["reason"] = reason }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        return new ApprovalStatus(await SendAsync(request, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Verifies the receipt of a released action for exactly <paramref name="actionJson"/> (the action the agent is
    /// about to perform) with the host's published keys, and spends it: a second verification of the same receipt is
    /// <see cref="ReceiptFailure.AlreadyUsed"/>. Act only when the result is valid.
    /// </summary>
    public virtual Task<ReceiptVerification> VerifyReceiptAsync(ApprovalStatus status, string actionJson, CancellationToken cancellationToken = default) =>
        VerifyReceiptAsync(status, actionJson, _options.ReceiptUses, cancellationToken);

    /// <summary>As <see cref="VerifyReceiptAsync(ApprovalStatus, string, CancellationToken)"/>, spending the receipt in <paramref name="uses"/>.</summary>
    public virtual async Task<ReceiptVerification> VerifyReceiptAsync(ApprovalStatus status, string actionJson, IReceiptUseRegistry uses, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uses);
        ArgumentNullException.ThrowIfNull(status);
        ActionRequest action = ActionParser.Parse(actionJson).Action ?? throw new ArgumentException("The action does not parse.", nameof(actionJson));
        if (status.ReceiptJws is not string jws)
        {
            return new ReceiptVerification(null, ReceiptFailure.Malformed, $"The action is {status.Outcome ?? status.Status}: there is no receipt.");
        }

        var verifier = new ReceiptVerifier(new ReceiptVerifierOptions
        {
            Issuer = _options.ReceiptIssuer ?? _options.BaseUrl!.ToString().TrimEnd('/'),
            Audience = _options.ReceiptAudience,
            SigningKeys = await KeysAsync(cancellationToken).ConfigureAwait(false),
        });
        return await verifier.VerifyAsync(jws, action, _options.Time.GetUtcNow(), uses).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<SecurityKey>> KeysAsync(CancellationToken cancellationToken)
    {
        // Two callers refreshing at once fetch twice; both get valid keys.
        if (_keys is { } cached && cached.Until > _options.Time.GetUtcNow())
        {
            return cached.Keys;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "api/receipts/keys");
        JsonObject jwks = await SendAsync(request, cancellationToken, authenticate: false).ConfigureAwait(false);
        IReadOnlyList<SecurityKey> keys = [.. new JsonWebKeySet(jwks.ToJsonString()).GetSigningKeys()];
        _keys = (keys, _options.Time.GetUtcNow() + _options.KeysCacheDuration);
        return keys;
    }

    private async Task<JsonObject> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken, bool authenticate = true) =>
        (await SendWithRetryAfterAsync(request, cancellationToken, authenticate).ConfigureAwait(false)).Body;

    private async Task<(JsonObject Body, TimeSpan? RetryAfter)> SendWithRetryAfterAsync(HttpRequestMessage request, CancellationToken cancellationToken, bool authenticate = true)
    {
        request.RequestUri = new Uri(Base(), request.RequestUri!.OriginalString);
        if (authenticate)
        {
            await AuthenticateAsync(request, cancellationToken).ConfigureAwait(false);
        }

        using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        JsonObject? body = text.TrimStart().StartsWith('{') ? JsonNode.Parse(text)?.AsObject() : null;
        if (!response.IsSuccessStatusCode)
        {
            throw new ApprovalsException(response.StatusCode, body);
        }

        TimeSpan? retryAfter = response.Headers.RetryAfter?.Delta;
        return (body ?? throw new ApprovalsException(response.StatusCode, null), retryAfter);
    }

    private async Task AuthenticateAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_options.ApiKey is string key)
        {
            request.Headers.Add("X-Api-Key", key);
            return;
        }

        if (_token is not { } token || token.ExpiresOn - TimeSpan.FromMinutes(5) < _options.Time.GetUtcNow())
        {
            token = await _options.Credential!.GetTokenAsync(new TokenRequestContext([_options.Scope!]), cancellationToken).ConfigureAwait(false);
            _token = token;
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
    }

    private Uri Base()
    {
        string text = _options.BaseUrl!.ToString();
        return new Uri(text.EndsWith('/') ? text : text + "/");
    }

    private static string Id(string id) => string.IsNullOrWhiteSpace(id) ? throw new ArgumentException("An action id is required.", nameof(id)) : id;
}

/// <summary>A page of the release feed: each item has <c>seq</c>, <c>actionId</c>, <c>releasedAt</c>, <c>receipt</c> and the <c>action</c>.</summary>
/// <param name="Items">The releases, in order.</param>
/// <param name="Next">The <c>after</c> of the next page.</param>
public sealed record ReleasePage(IReadOnlyList<JsonObject> Items, long Next);
