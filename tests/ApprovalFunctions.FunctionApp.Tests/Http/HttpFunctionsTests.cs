using System.Net;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.FunctionApp.Tests.Support;
using static ApprovalFunctions.FunctionApp.Tests.Support.TestDirectory;

namespace ApprovalFunctions.FunctionApp.Tests.Http;

/// <summary>The HTTP functions end to end on the real Durable engine: what an agent and approvers see over HTTP.</summary>
public sealed class HttpFunctionsTests : IAsyncLifetime
{
    private FunctionsHttpHost _host = null!;

    public async Task InitializeAsync() => _host = await FunctionsHttpHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Submit_TwoApprovals_ReleasedWithTheReceiptVisibleToTheAgent()
    {
        string action = TestPolicies.Action("iam.grant", key: "grant-1");
        (HttpStatusCode submitted, JsonObject first) = await SendAsync(FunctionsHttpHost.AsAgent(HttpMethod.Post, "/api/actions?wait=PT5S", action));
        Assert.True(HttpStatusCode.Accepted == submitted, first.ToJsonString());
        string id = first["id"]!.GetValue<string>();
        string digest = first["actionDigest"]!.GetValue<string>();
        await WaitForStatusAsync(id, "pendingApproval");

        (HttpStatusCode dan, _) = await SendAsync(_host.AsPerson(Dan, HttpMethod.Post, $"/api/actions/{id}/decisions", Decision("approve", digest)));
        (HttpStatusCode dora, _) = await SendAsync(_host.AsPerson(Dora, HttpMethod.Post, $"/api/actions/{id}/decisions", Decision("approve", digest)));
        Assert.Equal(HttpStatusCode.OK, dan);
        Assert.Equal(HttpStatusCode.OK, dora);

        JsonObject released = await WaitForStatusAsync(id, "released");
        Assert.NotNull(released["receipt"]?["jws"]);
        Assert.Single(_host.Releases.Of(id));
        (_, JsonObject seenByDan) = await SendAsync(_host.AsPerson(Dan, HttpMethod.Get, $"/api/actions/{id}"));
        Assert.Null(seenByDan["receipt"]);
    }

    [Fact]
    public async Task Submit_AllowedWithWait_200WithTheFinalResult()
    {
        (HttpStatusCode status, JsonObject body) = await SendAsync(FunctionsHttpHost.AsAgent(HttpMethod.Post, "/api/actions?wait=PT30S", TestPolicies.Action("crm.read")));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("released", body["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Submit_SameKeyAgain_SameActionEvenAfterItCompleted_OtherBody409()
    {
        string action = TestPolicies.Action("crm.read", key: "read-once");
        (_, JsonObject first) = await SendAsync(FunctionsHttpHost.AsAgent(HttpMethod.Post, "/api/actions?wait=PT30S", action));
        string id = first["id"]!.GetValue<string>();
        await WaitForStatusAsync(id, "released");

        (HttpStatusCode again, JsonObject second) = await SendAsync(FunctionsHttpHost.AsAgent(HttpMethod.Post, "/api/actions", action));
        (HttpStatusCode other, JsonObject problem) = await SendAsync(FunctionsHttpHost.AsAgent(HttpMethod.Post, "/api/actions",
            TestPolicies.Action("crm.read.other", key: "read-once")));

        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(id, second["id"]!.GetValue<string>());
        Assert.Single(_host.Releases.Of(id));
        Assert.Equal(HttpStatusCode.Conflict, other);
        Assert.Equal("idempotencyKeyReused", problem["reason"]?.GetValue<string>());
    }

    [Fact]
    public async Task Requests_Refused_AsProblemJsonWithTheRightStatus()
    {
        (_, JsonObject pending) = await SendAsync(FunctionsHttpHost.AsAgent(HttpMethod.Post, "/api/actions", TestPolicies.Action("db.write.rows")));
        string id = pending["id"]!.GetValue<string>();
        string digest = pending["actionDigest"]!.GetValue<string>();
        await WaitForStatusAsync(id, "pendingApproval");

        await AssertProblemAsync(HttpStatusCode.Unauthorized, new HttpRequestMessage(HttpMethod.Get, $"/api/actions/{id}"));
        await AssertProblemAsync(HttpStatusCode.Unauthorized, FunctionsHttpHost.AsAgent(HttpMethod.Get, $"/api/actions/{id}", key: "ak_wrong"));
        await AssertProblemAsync(HttpStatusCode.Forbidden, _host.AsPerson(Dana, HttpMethod.Post, $"/api/actions/{id}/decisions", Decision("approve", digest)));
        await AssertProblemAsync(HttpStatusCode.Forbidden, FunctionsHttpHost.AsAgent(HttpMethod.Post, $"/api/actions/{id}/decisions", Decision("approve", digest)));
        await AssertProblemAsync(HttpStatusCode.NotFound, FunctionsHttpHost.AsAgent(HttpMethod.Get, $"/api/actions/{id}", key: FunctionsHttpHost.OtherAgentKey));
        await AssertProblemAsync(HttpStatusCode.NotFound, FunctionsHttpHost.AsAgent(HttpMethod.Get, "/api/actions/act_doesnotexist0000000000"));
        await AssertProblemAsync(HttpStatusCode.Conflict, _host.AsPerson(Dan, HttpMethod.Post, $"/api/actions/{id}/decisions",
            Decision("approve", ActionParser.Parse(TestPolicies.Action("db.write.other")).Action!.Digest)));
        await AssertProblemAsync(HttpStatusCode.BadRequest, FunctionsHttpHost.AsAgent(HttpMethod.Post, "/api/actions", """{"type":"x"}"""));
        await AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, FunctionsHttpHost.AsAgent(HttpMethod.Post, "/api/actions",
            TestPolicies.Action("db.write.rows").Replace("\"rows\":12", "\"rows\":12,\"pad\":\"" + new string('x', 20_000) + "\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Decide_StateKeptOutsideTheCustomStatus_SeenAndDecidedOverHttp()
    {
        (_, JsonObject pending) = await SendAsync(FunctionsHttpHost.AsAgent(HttpMethod.Post, "/api/actions", TestPolicies.Action("ops.crowd"))); // 201 approvers
        string id = pending["id"]!.GetValue<string>();
        JsonObject waiting = await WaitForStatusAsync(id, "pendingApproval");

        (HttpStatusCode inbox, JsonObject items) = await SendAsync(_host.AsPerson(Dan, HttpMethod.Get, "/api/approvals"));
        (HttpStatusCode decided, _) = await SendAsync(_host.AsPerson(Dan, HttpMethod.Post, $"/api/actions/{id}/decisions",
            Decision("approve", waiting["actionDigest"]!.GetValue<string>())));

        Assert.Equal(HttpStatusCode.OK, inbox);
        Assert.Contains(items["items"]!.AsArray(), i => i!["id"]!.GetValue<string>() == id);
        Assert.Equal(HttpStatusCode.OK, decided);
        Assert.Equal("released", (await WaitForStatusAsync(id, "released"))["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cancel_ByItsAgent_EndsCancelled()
    {
        (_, JsonObject pending) = await SendAsync(FunctionsHttpHost.AsAgent(HttpMethod.Post, "/api/actions", TestPolicies.Action("db.write.rows")));
        string id = pending["id"]!.GetValue<string>();
        await WaitForStatusAsync(id, "pendingApproval");

        (HttpStatusCode status, JsonObject answer) = await SendAsync(FunctionsHttpHost.AsAgent(HttpMethod.Post, $"/api/actions/{id}/cancel", """{"reason":"changed my mind"}"""));

        // The answer waits up to 2 s for the process (as on the gateway): here it finished within them.
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("cancelled", answer["outcome"]!.GetValue<string>());
    }

    private static string Decision(string decision, string digest) =>
        new JsonObject { ["decision"] = decision, ["actionDigest"] = digest, ["comment"] = decision == "reject" ? "no" : null }.ToJsonString();

    private async Task AssertProblemAsync(HttpStatusCode expected, HttpRequestMessage request)
    {
        using HttpResponseMessage response = await _host.Client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{request.Method} {request.RequestUri}: expected {expected}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, JsonNode.Parse(body)!["status"]!.GetValue<int>());
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> SendAsync(HttpRequestMessage request)
    {
        using HttpResponseMessage response = await _host.Client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(body) as JsonObject ?? throw new InvalidOperationException($"Not a JSON object: {body}"));
    }

    private async Task<JsonObject> WaitForStatusAsync(string id, string status)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            (HttpStatusCode code, JsonObject body) = await SendAsync(FunctionsHttpHost.AsAgent(HttpMethod.Get, $"/api/actions/{id}"));
            if (code == HttpStatusCode.OK && (body["status"]?.GetValue<string>() == status || body["outcome"]?.GetValue<string>() == status))
            {
                return body;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
