using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Gateway.Storage;
using ApprovalFunctions.Gateway.Tests.Support;

namespace ApprovalFunctions.Gateway.Tests.Api;

public sealed class ActionsApiTests : IDisposable
{
    private readonly GatewayFactory _gateway = new();

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Submit_AllowedAction_IsReleasedWithinTheWaitWithAReceipt()
    {
        (HttpResponseMessage response, JsonObject body) = await _gateway.Agent().SubmitAsync(Support.Api.Read);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("completed", body.Str("status"));
        Assert.Equal("released", body.Str("outcome"));
        Assert.Equal("allow", body.Str("decision.effect"));
        Assert.StartsWith("eyJ", body.Str("receipt.jws"), StringComparison.Ordinal);
        Assert.StartsWith("sha256:", body.Str("actionDigest"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_DeniedAction_FinishesDeniedWithTheReason()
    {
        (HttpResponseMessage response, JsonObject body) = await _gateway.Agent().SubmitAsync(Support.Api.Delete);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("denied", body.Str("outcome"));
        Assert.Equal("deletes are not allowed", body.Str("reason"));
        Assert.Null(body["receipt"]);
    }

    [Fact]
    public async Task Submit_ApprovalRequired_Returns202WithLocationAndThePlan()
    {
        (HttpResponseMessage response, JsonObject body) = await _gateway.Agent().SubmitAsync(Support.Api.ProdWrite, wait: "PT1S");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/actions/{body.Str("id")}", response.Headers.Location!.ToString());
        Assert.Equal("pendingApproval", body.Str("status"));
        Assert.Equal(2, body["approval"]!["requirements"]![0]!["minApprovals"]!.GetValue<int>());
        // Rita requested it and Olga owns the agent: neither is asked.
        Assert.Equal(["ann", "bob"], body["approval"]!["awaiting"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task Decide_TwoOwnersApprove_ReleasesAndTheExecutorCanPollIt()
    {
        (_, JsonObject submitted) = await _gateway.Agent().SubmitAsync(Support.Api.ProdWrite, wait: "PT1S");
        string id = submitted.Str("id"), digest = submitted.Str("actionDigest");

        HttpResponseMessage first = await (await _gateway.PersonAsync("ann")).DecideAsync(id, digest);
        HttpResponseMessage second = await (await _gateway.PersonAsync("bob")).DecideAsync(id, digest);
        JsonObject status = await _gateway.Agent().StatusWhenAsync(id, s => s.Str("status") == "completed");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("accepted", (await first.Body()).Str("verdict"));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("released", status.Str("outcome"));
        JsonObject feed = await (await _gateway.Agent("test-executor-key").GetAsync("/api/releases?after=0")).Body();
        JsonNode release = Assert.Single(feed["items"]!.AsArray())!;
        Assert.Equal(id, release.Str("actionId"));
        Assert.Equal(status.Str("receipt.jws"), release.Str("receipt.jws"));
        Assert.Equal("db.write.rows", release.Str("action.type"));
    }

    [Fact]
    public async Task Decide_OneReject_EndsRejected()
    {
        (_, JsonObject submitted) = await _gateway.Agent().SubmitAsync(Support.Api.ProdWrite, wait: "PT1S");
        string id = submitted.Str("id");

        HttpResponseMessage response = await (await _gateway.PersonAsync("ann")).DecideAsync(id, submitted.Str("actionDigest"), "reject", "not during the freeze");
        JsonObject status = await _gateway.Agent().StatusWhenAsync(id, s => s.Str("status") == "completed");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("rejected", status.Str("outcome"));
        Assert.Equal("rejected by Ann Owner", status.Str("reason"));
    }

    [Theory]
    [InlineData("rita", "selfApproval", HttpStatusCode.Forbidden)]
    [InlineData("olga", "ownerApproval", HttpStatusCode.Forbidden)]
    [InlineData("sam", "notEligible", HttpStatusCode.Forbidden)]
    public async Task Decide_SelfApprovalOwnerOrOutsider_IsRefusedAndAudited(string person, string reason, HttpStatusCode status)
    {
        (_, JsonObject submitted) = await _gateway.Agent().SubmitAsync(Support.Api.ProdWrite, wait: "PT1S");
        string id = submitted.Str("id");

        HttpResponseMessage response = await (await _gateway.PersonAsync(person)).DecideAsync(id, submitted.Str("actionDigest"));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(reason, (await response.Body()).Str("reason"));
        JsonObject audit = await (await (await _gateway.PersonAsync("aud")).GetAsync($"/api/actions/{id}/audit")).Body();
        await WaitForAsync(async () => (await (await (await _gateway.PersonAsync("aud")).GetAsync($"/api/actions/{id}/audit")).Body())["records"]!.AsArray()
            .Any(r => r.Str("type") == "decision-rejected"));
        Assert.Equal("pendingApproval", (await (await _gateway.Agent().GetAsync($"/api/actions/{id}")).Body()).Str("status"));
    }

    [Fact]
    public async Task Decide_SomeoneTheActionDoesNotConcern_Gets404LikeAMissingIdAndLeavesNoTrace()
    {
        (_, JsonObject submitted) = await _gateway.Agent().SubmitAsync(Support.Api.ProdWrite, wait: "PT1S");
        string id = submitted.Str("id");
        HttpClient stranger = await _gateway.PersonAsync("aud"); // in no approver group, not the requester, no manager

        HttpResponseMessage decided = await stranger.DecideAsync(id, submitted.Str("actionDigest"));
        HttpResponseMessage missing = await stranger.DecideAsync("act_" + new string('0', 24), submitted.Str("actionDigest"));

        Assert.Equal(HttpStatusCode.NotFound, decided.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal((await missing.Body()).Str("type"), (await decided.Body()).Str("type"));
        JsonObject audit = await (await stranger.GetAsync($"/api/actions/{id}/audit")).Body();
        Assert.DoesNotContain(audit["records"]!.AsArray(), r => r.Str("type") == "decision-rejected");
    }

    [Fact]
    public async Task Decide_ManagerOfTheRequester_IsRefusedWhenThePlanExcludesIt()
    {
        (_, JsonObject submitted) = await _gateway.Agent().SubmitAsync(
            """{"type":"role.assign","summary":"Grant Reader","requester":{"id":"rita"},"data":{"sourceRegion":"westeurope"}}""", wait: "PT1S");

        HttpResponseMessage response = await (await _gateway.PersonAsync("mona")).DecideAsync(submitted.Str("id"), submitted.Str("actionDigest"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("managerChain", (await response.Body()).Str("reason"));
    }

    [Fact]
    public async Task Timers_ReminderEscalationAndTimeout_FollowThePlan()
    {
        (_, JsonObject submitted) = await _gateway.Agent().SubmitAsync(Support.Api.ProdWrite, wait: "PT1S");
        string id = submitted.Str("id");
        await (await _gateway.PersonAsync("ann")).DecideAsync(id, submitted.Str("actionDigest"));

        _gateway.Advance(TimeSpan.FromMinutes(20)); // reminder (10m) and escalation (20m) are both due
        JsonObject escalated = await _gateway.Agent().StatusWhenAsync(id, s => s["approval"]?["escalated"]?.GetValue<bool>() == true);
        Assert.True(escalated["approval"]!["escalated"]!.GetValue<bool>());
        // The deadline was 60 minutes after submission; escalation extended it by 30.
        Assert.Equal("2026-11-21T10:30:00.0000000Z", escalated.Str("approval.deadline"));

        // Escalation added security on-call, who may now complete the unmet requirement…
        HttpResponseMessage sam = await (await _gateway.PersonAsync("sam")).DecideAsync(id, submitted.Str("actionDigest"));
        Assert.Equal(HttpStatusCode.OK, sam.StatusCode);
        JsonObject done = await _gateway.Agent().StatusWhenAsync(id, s => s.Str("status") == "completed");
        Assert.Equal("released", done.Str("outcome"));

        JsonObject records = await (await (await _gateway.PersonAsync("aud")).GetAsync($"/api/actions/{id}/audit")).Body();
        string[] types = records["records"]!.AsArray().Select(r => r.Str("type")).ToArray();
        Assert.Equal(["received", "evaluated", "approvers-resolved", "notified", "decision", "escalated", "reminder", "notified", "notified", "decision", "released", "completed"], types);
    }

    [Fact]
    public async Task Timers_NobodyDecides_ExpiresAtTheDeadline()
    {
        (_, JsonObject submitted) = await _gateway.Agent().SubmitAsync(Support.Api.ProdWrite, wait: "PT1S");
        string id = submitted.Str("id");

        _gateway.Advance(TimeSpan.FromMinutes(20));
        await _gateway.Agent().StatusWhenAsync(id, s => s["approval"]?["escalated"]?.GetValue<bool>() == true);
        _gateway.Advance(TimeSpan.FromMinutes(71)); // past the extended deadline (90m)
        JsonObject status = await _gateway.Agent().StatusWhenAsync(id, s => s.Str("status") == "completed");

        Assert.Equal("expired", status.Str("outcome"));
        HttpResponseMessage late = await (await _gateway.PersonAsync("ann")).DecideAsync(id, submitted.Str("actionDigest"));
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("notPending", (await late.Body()).Str("reason"));
    }

    [Fact]
    public async Task Timers_OnTimeoutApprove_ReleasesTheAction()
    {
        (_, JsonObject submitted) = await _gateway.Agent().SubmitAsync("""{"type":"ticket.autoclose","summary":"Close stale tickets","data":{"sourceRegion":"westeurope"}}""", wait: "PT1S");

        _gateway.Advance(TimeSpan.FromMinutes(6));
        JsonObject status = await _gateway.Agent().StatusWhenAsync(submitted.Str("id"), s => s.Str("status") == "completed");

        Assert.Equal("released", status.Str("outcome"));
        Assert.Equal("released (approvedOnTimeout)", status.Str("reason"));
    }

    [Fact]
    public async Task Cancel_ByTheRequestingAgent_CancelsButAnotherAgentCannotSeeIt()
    {
        (_, JsonObject submitted) = await _gateway.Agent().SubmitAsync(Support.Api.ProdWrite, wait: "PT1S");
        string id = submitted.Str("id");

        HttpResponseMessage other = await _gateway.Agent("test-other-key").PostAsJsonAsync($"/api/actions/{id}/cancel", new { reason = "mine now" });
        HttpResponseMessage mine = await _gateway.Agent().PostAsJsonAsync($"/api/actions/{id}/cancel", new { reason = "no longer needed" });
        JsonObject status = await _gateway.Agent().StatusWhenAsync(id, s => s.Str("status") == "completed");

        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.True(mine.IsSuccessStatusCode);
        Assert.Equal("cancelled", status.Str("outcome"));
        Assert.Equal("no longer needed", status.Str("reason"));
        HttpResponseMessage again = await _gateway.Agent().PostAsync($"/api/actions/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Submit_SameIdempotencyKeyAndBody_IsTheSameAction()
    {
        const string action = """{"type":"crm.contact.read","summary":"Look up","idempotencyKey":"run-42","data":{"sourceRegion":"westeurope"}}""";
        HttpClient agent = _gateway.Agent();

        (_, JsonObject first) = await agent.SubmitAsync(action);
        (HttpResponseMessage againResponse, JsonObject again) = await agent.SubmitAsync(action.Replace("\"Look up\"", " \"Look up\" ", StringComparison.Ordinal));
        (HttpResponseMessage conflict, JsonObject problem) = await agent.SubmitAsync(action.Replace("Look up", "Look up more", StringComparison.Ordinal));

        Assert.Equal(first.Str("id"), again.Str("id"));
        Assert.Equal(HttpStatusCode.OK, againResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("idempotencyKeyReused", problem.Str("reason"));
        // Another agent may use the same key for its own action.
        (_, JsonObject others) = await _gateway.Agent("test-other-key").SubmitAsync(action);
        Assert.NotEqual(first.Str("id"), others.Str("id"));
    }

    [Theory]
    [InlineData("""{"type":"x","summary":""", "urn:approval-functions:problem:malformed-json", 400)]
    [InlineData("""{"type":5,"summary":"s"}""", "urn:approval-functions:problem:invalid-action", 400)]
    [InlineData("""{"type":"x","summary":"s","data":{"sourceRegion":"not a region"}}""", "urn:approval-functions:problem:invalid-action", 400)]
    [InlineData("""{"type":"x","summary":"s","data":{"sourceRegion":"antarctica"}}""", "urn:approval-functions:problem:unprocessable-action", 422)]
    public async Task Submit_BadInput_IsAProblemAndNothingIsStored(string body, string type, int status)
    {
        HttpResponseMessage response = await _gateway.Agent().PostAsync("/api/actions", Support.Api.Json(body));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(type, (await response.Body()).Str("type"));
        Assert.Equal((0L, 0L), await _gateway.Service<ActionStore>().CountsAsync());
    }

    [Fact]
    public async Task Submit_OversizedBody_Is413AndNothingIsStored()
    {
        string body = "{\"type\":\"x\",\"summary\":\"" + new string('a', 300 * 1024) + "\"}";

        HttpResponseMessage response = await _gateway.Agent().PostAsync("/api/actions", Support.Api.Json(body));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("urn:approval-functions:problem:too-large", (await response.Body()).Str("type"));
        Assert.Equal((0L, 0L), await _gateway.Service<ActionStore>().CountsAsync());
    }

    [Fact]
    public async Task Submit_TooDeep_Is400()
    {
        string body = "{\"type\":\"x\",\"summary\":\"s\",\"parameters\":" + string.Concat(Enumerable.Repeat("[", 40)) + new string(']', 40) + "}";

        HttpResponseMessage response = await _gateway.Agent().PostAsync("/api/actions", Support.Api.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("urn:approval-functions:problem:too-deep", (await response.Body()).Str("type"));
    }

    [Fact]
    public async Task Endpoints_WithoutCredentials_Are401Problems()
    {
        HttpClient anonymous = _gateway.Anonymous();

        foreach ((HttpMethod method, string path) in new[] { (HttpMethod.Post, "/api/actions"), (HttpMethod.Get, "/api/actions/act_x"), (HttpMethod.Post, "/api/actions/act_x/decisions"), (HttpMethod.Get, "/api/approvals"), (HttpMethod.Get, "/api/releases") })
        {
            HttpResponseMessage response = await anonymous.SendAsync(new HttpRequestMessage(method, path) { Content = Support.Api.Json("{}") });
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        }
    }

    [Fact]
    public async Task Endpoints_WrongRole_Are403Problems()
    {
        HttpResponseMessage approverSubmits = await (await _gateway.PersonAsync("ann")).PostAsync("/api/actions", Support.Api.Json(Support.Api.Read));
        HttpResponseMessage agentDecides = await _gateway.Agent().PostAsJsonAsync("/api/actions/act_x/decisions", new { decision = "approve", actionDigest = "x" });
        HttpResponseMessage agentReadsFeed = await _gateway.Agent().GetAsync("/api/releases");

        Assert.Equal(HttpStatusCode.Forbidden, approverSubmits.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, agentDecides.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, agentReadsFeed.StatusCode);
    }

    [Fact]
    public async Task Tokens_ExpiredForgedOrUnsigned_AreRefused()
    {
        HttpClient client = _gateway.Anonymous();
        string expired = _gateway.TokenFor("ann", _gateway.Clock.GetUtcNow().AddHours(-9));
        string[] parts = _gateway.TokenFor("ann", DateTimeOffset.UtcNow).Split('.');
        string forgedPayload = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(
            Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(parts[1]).Replace("\"ann\"", "\"sue\"", StringComparison.Ordinal));
        string forged = $"{parts[0]}.{forgedPayload}.{parts[2]}";
        string unsigned = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""") + "." + parts[1] + ".";

        foreach ((string name, string token) in new[] { ("expired", expired), ("forged", forged), ("unsigned", unsigned), ("garbage", "not-a-token") })
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/approvals");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            HttpResponseMessage response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, name);
        }
    }

    [Fact]
    public async Task Inbox_ShowsOnlyWhatTheCallerMayDecide_Masked()
    {
        (_, JsonObject submitted) = await _gateway.Agent().SubmitAsync(Support.Api.ProdWrite, wait: "PT1S");

        JsonObject annInbox = await (await (await _gateway.PersonAsync("ann")).GetAsync("/api/approvals?status=pending")).Body();
        JsonObject ritaInbox = await (await (await _gateway.PersonAsync("rita")).GetAsync("/api/approvals")).Body();
        JsonObject samInbox = await (await (await _gateway.PersonAsync("sam")).GetAsync("/api/approvals")).Body();

        JsonNode item = Assert.Single(annInbox["items"]!.AsArray())!;
        Assert.Equal(submitted.Str("id"), item.Str("id"));
        Assert.Equal("Fix 12 rows for r***@test.dev", item.Str("review.action.summary"));
        Assert.Equal("[masked]", item.Str("review.action.parameters.connectionString"));
        Assert.DoesNotContain("hunter2", annInbox.ToJsonString(), StringComparison.Ordinal);
        Assert.Empty(ritaInbox["items"]!.AsArray());
        Assert.Empty(samInbox["items"]!.AsArray());

        await (await _gateway.PersonAsync("ann")).DecideAsync(submitted.Str("id"), submitted.Str("actionDigest"));
        JsonObject after = await (await (await _gateway.PersonAsync("ann")).GetAsync("/api/approvals")).Body();
        JsonObject history = await (await (await _gateway.PersonAsync("ann")).GetAsync("/api/approvals?status=decided")).Body();
        Assert.Empty(after["items"]!.AsArray());
        Assert.Equal("approve", Assert.Single(history["items"]!.AsArray())!.Str("choice"));
    }

    [Fact]
    public async Task Audit_AuditorsSeeRecordsOthersSeeATimeline_AndTheChainVerifies()
    {
        (_, JsonObject submitted) = await _gateway.Agent().SubmitAsync(Support.Api.Read);
        string id = submitted.Str("id");

        JsonObject full = await (await (await _gateway.PersonAsync("aud")).GetAsync($"/api/actions/{id}/audit")).Body();
        JsonObject timeline = await (await _gateway.Agent().GetAsync($"/api/actions/{id}/audit")).Body();

        Assert.Equal(["received", "evaluated", "released", "completed"], full["records"]!.AsArray().Select(r => r.Str("type")));
        Assert.Equal("crm.contact.read", full["records"]![0]!.Str("content.action.type"));
        Assert.Null(timeline["records"]);
        Assert.DoesNotContain("Look up a contact", timeline.ToJsonString(), StringComparison.Ordinal);
        await _gateway.AuditFilesWrittenAsync();
        var files = Gateway.Audit.FileAuditStore.ReadDirectory(Path.Combine(_gateway.StateDirectory, "audit")).ToList();
        Assert.True(AuditVerifier.Verify(files).Ok);
        Assert.All(Directory.EnumerateFiles(Path.Combine(_gateway.StateDirectory, "audit"), "*.json", SearchOption.AllDirectories),
            f => Assert.True(File.GetAttributes(f).HasFlag(FileAttributes.ReadOnly)));
    }

    [Fact]
    public async Task ReceiptKeys_AreAnonymousAndVerifyIssuedReceipts()
    {
        (_, JsonObject released) = await _gateway.Agent().SubmitAsync(Support.Api.Read);
        string jwks = await _gateway.Anonymous().GetStringAsync("/api/receipts/keys");
        var keys = new Microsoft.IdentityModel.Tokens.JsonWebKeySet(jwks).GetSigningKeys();
        var verifier = new Core.Receipts.ReceiptVerifier(new Core.Receipts.ReceiptVerifierOptions { Issuer = "http://gateway.test", Audience = "approvals-executor", SigningKeys = [.. keys] });

        Core.Receipts.ReceiptVerification result = await verifier.VerifyAsync(released.Str("receipt.jws"), released.Str("actionDigest"), _gateway.Clock.GetUtcNow(), new Core.Receipts.InMemoryReceiptUseRegistry());

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(released.Str("id"), result.Receipt!.ActionId);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25);
        }
    }
}
