using System.Net;

namespace ApprovalFunctions.Tests.Contract;

/// <summary><c>POST /api/actions</c>: outcomes, idempotency, validation and who may submit, the same on every host.</summary>
public abstract class SubmitContract(IContractHost host)
{
    [Fact]
    public async Task Submit_AllowedAction_IsReleasedWithAReceiptForTheAgent()
    {
        Answer answer = await host.SubmitAsync(ContractWorld.Action("crm.contact.read"), wait: "PT30S");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("released", answer.Text("outcome"));
        Assert.Equal("true", answer.Text("finished"), ignoreCase: true);
        Assert.StartsWith("ey", answer.Text("receipt.jws"), StringComparison.Ordinal);
        Assert.Null(answer.Body["review"]); // the agent knows its own action
    }

    [Fact]
    public async Task Submit_DeniedAction_Is200WithThePolicyReason()
    {
        Answer answer = await host.SubmitAsync(ContractWorld.Action("db.table.delete"), wait: "PT30S");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("denied", answer.Text("outcome"));
        Assert.Contains("deletes are not allowed", answer.Body["decision"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Null(answer.Body["receipt"]);
    }

    [Fact]
    public async Task Submit_ActionNeedingApproval_Is202WithItsStatusUrlAndWhoIsAwaited()
    {
        Answer answer = await host.SubmitAsync(ContractWorld.Write(), wait: "PT0S");

        Assert.Equal(HttpStatusCode.Accepted, answer.Status);
        string id = answer.Text("id")!;
        Assert.Matches("^act_[0-9a-z]{24}$", id);
        Assert.Equal($"/api/actions/{id}", answer.Response.Headers.Location?.OriginalString);
        var status = await host.StatusWhenAsync(id, s => s["status"]!.GetValue<string>() == "pendingApproval");
        // Rita is in the group, but never awaited for her own request.
        Assert.Equal(["ann", "bob"], status["approval"]!["awaiting"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()).Order());
        Assert.Equal(1, status["approval"]!["requirements"]![0]!["stillNeeded"]!.GetValue<int>());
    }

    [Fact]
    public async Task Submit_SameKeyAndAction_IsTheSameAction()
    {
        string key = "contract-" + Guid.NewGuid().ToString("N");

        Answer first = await host.SubmitAsync(ContractWorld.Write(key), wait: "PT0S");
        Answer again = await host.SubmitAsync(ContractWorld.Write(key), wait: "PT0S");
        Answer byHeader = await host.SubmitAsync(ContractWorld.Write(), wait: "PT0S", headers: ("Idempotency-Key", key + "-h"));
        Answer byHeaderAgain = await host.SubmitAsync(ContractWorld.Write(), wait: "PT0S", headers: ("Idempotency-Key", key + "-h"));

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(first.Text("id"), again.Text("id"));
        Assert.Equal(byHeader.Text("id"), byHeaderAgain.Text("id"));
        Assert.NotEqual(first.Text("id"), byHeader.Text("id"));
    }

    [Fact]
    public async Task Submit_SameKeyAnotherAction_Is409IdempotencyKeyReused()
    {
        string key = "contract-" + Guid.NewGuid().ToString("N");
        await host.SubmitAsync(ContractWorld.Write(key, rows: 1), wait: "PT0S");

        Answer other = await host.SubmitAsync(ContractWorld.Write(key, rows: 2), wait: "PT0S");

        other.Problem(HttpStatusCode.Conflict, reason: "idempotencyKeyReused");
    }

    [Fact]
    public async Task Submit_SameKeyFromAnotherAgent_IsAnotherAction()
    {
        string key = "contract-" + Guid.NewGuid().ToString("N");

        Answer mine = await host.SubmitAsync(ContractWorld.Write(key), wait: "PT0S");
        Answer theirs = await host.SubmitAsync(ContractWorld.Write(key), wait: "PT0S", who: Who.OtherAgent);

        Assert.NotEqual(mine.Text("id"), theirs.Text("id"));
    }

    [Fact]
    public async Task Submit_HeaderAndBodyKeysDiffer_Is400NamingTheHeader()
    {
        Answer answer = await host.SubmitAsync(ContractWorld.Write("body-key"), headers: ("Idempotency-Key", "header-key"));

        answer.Problem(HttpStatusCode.BadRequest, field: "Idempotency-Key");
    }

    [Fact]
    public async Task Submit_OverlongIdempotencyHeader_Is400()
    {
        Answer answer = await host.SubmitAsync(ContractWorld.Write(), headers: ("Idempotency-Key", new string('k', 201)));

        answer.Problem(HttpStatusCode.BadRequest, field: "Idempotency-Key");
    }

    [Fact]
    public async Task Submit_ActionWithoutType_Is400NamingTheField()
    {
        Answer answer = await host.SubmitAsync("""{"summary":"no type","data":{"sourceRegion":"westeurope"}}""");

        answer.Problem(HttpStatusCode.BadRequest, field: "type");
    }

    [Fact]
    public async Task Submit_MalformedJson_Is400()
    {
        Answer answer = await host.SubmitAsync("""{"type": "db.write.rows", """);

        answer.Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Submit_BodyOverTheLimit_Is413AndNothingIsStarted()
    {
        string huge = ContractWorld.Action("db.write.rows").Replace("\"summary\"", $"\"pad\":\"{new string('x', 2 * 1024 * 1024)}\",\"summary\"", StringComparison.Ordinal);

        Answer answer = await host.SubmitAsync(huge);

        answer.Problem(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Submit_RegionWithoutAnAuditStore_Is422FailClosed()
    {
        Answer answer = await host.SubmitAsync(ContractWorld.Action("db.write.rows", region: "southafricawest"));

        answer.Problem(HttpStatusCode.UnprocessableEntity, field: "data.sourceRegion");
    }

    [Fact]
    public async Task Submit_WaitThatIsNotADuration_Is400NamingWait()
    {
        Answer answer = await host.SubmitAsync(ContractWorld.Write(), wait: "5seconds");

        answer.Problem(HttpStatusCode.BadRequest, field: "wait");
    }

    [Theory]
    [InlineData(Who.Ann)]
    [InlineData(Who.Executor)]
    public async Task Submit_ByACallerWithoutTheAgentRole_Is403(Who who)
    {
        Answer answer = await host.SubmitAsync(ContractWorld.Write(), who: who);

        answer.Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Submit_WithoutCredentials_Is401WithAChallenge()
    {
        Answer answer = await host.SubmitAsync(ContractWorld.Write(), who: Who.Anonymous);

        answer.Problem(HttpStatusCode.Unauthorized);
        Assert.Contains(answer.Response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task Submit_UnknownApiKey_Is401NotEchoingTheKey()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/actions") { Content = new StringContent(ContractWorld.Write()) };
        request.Headers.Add("X-Api-Key", "ak_guessed_key_123");

        HttpResponseMessage response = await host.Client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("ak_guessed_key_123", body, StringComparison.Ordinal);
    }
}
