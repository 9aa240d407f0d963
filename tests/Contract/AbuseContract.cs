using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Tests.Contract;

/// <summary>
/// What an attacker tries, refused the same way by every host: forged, expired, mis-addressed and unsigned tokens, user
/// tokens carrying app roles, someone with an approver's e-mail address, and floods of decisions. Nothing is stored.
/// </summary>
public abstract class AbuseContract(ContractHostBase host)
{
    public static TheoryData<string> ForgedTokens => ["unknown-key", "expired", "not-yet-valid", "other-audience", "other-issuer", "alg-none", "garbage"];

    [Theory]
    [MemberData(nameof(ForgedTokens))]
    public async Task Token_ForgedOrMisused_Is401AndChangesNothing(string kind)
    {
        JsonObject pending = await host.PendingWriteAsync();
        string token = kind switch
        {
            "unknown-key" => host.PersonToken(Who.Ann, key: new RsaSecurityKey(RSA.Create(2048)) { KeyId = "rogue" }),
            "expired" => host.PersonToken(Who.Ann, notBefore: host.Now.AddHours(-3), expires: host.Now.AddHours(-2)),
            "not-yet-valid" => host.PersonToken(Who.Ann, notBefore: host.Now.AddHours(2), expires: host.Now.AddHours(3)),
            "other-audience" => host.PersonToken(Who.Ann, audience: "api://someone-else"),
            "other-issuer" => host.PersonToken(Who.Ann, issuer: "https://login.example.net/evil/v2.0"),
            "alg-none" => UnsignedCopy(host.PersonToken(Who.Ann)),
            _ => "not.a.token",
        };

        Answer answer = await DecideWithTokenAsync(token, pending);

        answer.Problem(HttpStatusCode.Unauthorized);
        Assert.Equal("pendingApproval", (await host.GetAsync(Who.Agent, $"/api/actions/{pending["id"]}")).Text("status"));
        Assert.DoesNotContain(token, answer.Body.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserToken_WithTheAgentRole_Is403WhenSubmitting()
    {
        string token = host.PersonToken(Who.Ann, c => c["roles"] = new[] { "Approvals.Agent" });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/actions") { Content = new StringContent(ContractWorld.Write()) };
        request.Headers.Authorization = ContractRequests.Bearer(token);

        HttpResponseMessage response = await host.Client.SendAsync(request);
        JsonObject problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("app-only", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserToken_WithTheExecutorRole_CannotReadReleases()
    {
        string token = host.PersonToken(Who.Ann, c => c["roles"] = new[] { "Approvals.Executor" });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/releases");
        request.Headers.Authorization = ContractRequests.Bearer(token);

        HttpResponseMessage response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task SomeoneWithAnApproversEmail_IsNotThatApprover()
    {
        JsonObject pending = await host.PendingWriteAsync();
        string id = pending["id"]!.GetValue<string>();

        Answer status = await host.GetAsync(Who.Mallory, $"/api/actions/{id}");
        Answer decision = await host.DecideAsync(Who.Mallory, id, pending["actionDigest"]!.GetValue<string>());
        Answer inbox = await host.GetAsync(Who.Mallory, "/api/approvals");

        status.Problem(HttpStatusCode.NotFound);
        decision.Problem(HttpStatusCode.NotFound);
        Assert.Empty(inbox.Body["items"]!.AsArray());
        Assert.Equal("pendingApproval", (await host.GetAsync(Who.Agent, $"/api/actions/{id}")).Text("status"));
    }

    [Fact]
    public async Task DecisionFlood_FromSomeoneItConcerns_IsAuditedAFewTimesOnly()
    {
        JsonObject pending = await host.PendingWriteAsync();
        string id = pending["id"]!.GetValue<string>(), digest = pending["actionDigest"]!.GetValue<string>();

        for (int i = 0; i < 60; i++)
        {
            (await host.DecideAsync(Who.Rita, id, digest)).Problem(HttpStatusCode.Forbidden, reason: "selfApproval");
        }

        await host.DecideAsync(Who.Ann, id, digest);
        await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());
        JsonArray records = await host.CompletedTrailAsync(id);
        Assert.InRange(records.Count(r => r!["type"]!.GetValue<string>() == "decision-rejected"), 1, 5);
        JsonNode completed = records.Single(r => r!["type"]!.GetValue<string>() == "completed")!;
        int counted = completed["content"]!["refusedAttempts"]!.GetValue<int>();
        if (host.CountsEveryRefusal)
        {
            Assert.Equal(60, counted); // the gateway counts every refusal (no history to grow)
        }
        else
        {
            Assert.InRange(counted, 5, 59); // the Functions app stops delivering them once no longer audited (history)
        }
    }

    [Fact]
    public async Task DecisionFlood_FromStrangers_LeavesNoTrace()
    {
        JsonObject pending = await host.PendingWriteAsync();
        string id = pending["id"]!.GetValue<string>(), digest = pending["actionDigest"]!.GetValue<string>();

        for (int i = 0; i < 60; i++)
        {
            (await host.DecideAsync(Who.Sam, id, digest)).Problem(HttpStatusCode.NotFound);
        }

        await host.DecideAsync(Who.Ann, id, digest);
        await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());
        JsonArray records = await host.CompletedTrailAsync(id);
        Assert.DoesNotContain(records, r => r!["type"]!.GetValue<string>() == "decision-rejected");
        Assert.DoesNotContain("sam", records.ToJsonString(), StringComparison.Ordinal);
    }

    private async Task<Answer> DecideWithTokenAsync(string token, JsonObject pending)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/actions/{pending["id"]}/decisions")
        {
            Content = new StringContent(new JsonObject { ["decision"] = "approve", ["actionDigest"] = pending["actionDigest"]!.GetValue<string>() }.ToJsonString()),
        };
        request.Headers.Authorization = ContractRequests.Bearer(token);
        HttpResponseMessage response = await host.Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return new Answer(response.StatusCode, text.Length > 0 ? JsonNode.Parse(text)!.AsObject() : [], response);
    }

    private static string UnsignedCopy(string token)
    {
        string[] parts = token.Split('.');
        return Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""") + "." + parts[1] + ".";
    }
}
