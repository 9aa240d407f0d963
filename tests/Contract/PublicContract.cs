using System.Net;
using System.Text.Json.Nodes;

namespace ApprovalFunctions.Tests.Contract;

/// <summary>Who am I, receipt keys, the OpenAPI document, health, unknown paths, the release feed and Outlook's entry.</summary>
public abstract class PublicContract(IContractHost host)
{
    [Fact]
    public async Task Me_SaysWhoTheCallerIsAndTheirRoles()
    {
        Answer ann = await host.GetAsync(Who.Ann, "/api/me");
        Answer agent = await host.GetAsync(Who.Agent, "/api/me");

        Assert.Equal(host.IdOf(Who.Ann), ann.Text("id"));
        Assert.Equal("ann@contoso.test", ann.Text("email"));
        Assert.Equal(["approver"], ann.Body["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(host.IdOf(Who.Agent), agent.Text("id"));
        Assert.Equal(["agent"], agent.Body["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task Me_WithoutCredentials_Is401()
    {
        (await host.GetAsync(Who.Anonymous, "/api/me")).Problem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ReceiptKeys_AreAPublicJwks()
    {
        Answer keys = await host.GetAsync(Who.Anonymous, "/api/receipts/keys");

        Assert.Equal(HttpStatusCode.OK, keys.Status);
        Assert.All(keys.Body["keys"]!.AsArray(), k => Assert.Null(k!["d"])); // public halves only
        Assert.NotEmpty(keys.Body["keys"]!.AsArray());
    }

    [Fact]
    public async Task OpenApi_IsTheOneDocument()
    {
        Answer document = await host.GetAsync(Who.Anonymous, "/api/openapi.json");

        Assert.Equal(HttpStatusCode.OK, document.Status);
        Assert.StartsWith("3.", document.Text("openapi"), StringComparison.Ordinal);
        Assert.NotNull(document.Body["paths"]!["/api/actions/{id}/card"]);
    }

    [Fact]
    public async Task Health_IsOk()
    {
        Answer health = await host.GetAsync(Who.Anonymous, "/healthz");

        Assert.Equal(HttpStatusCode.OK, health.Status);
        Assert.Equal("ok", health.Text("status"));
    }

    [Theory]
    [InlineData(Who.Anonymous)]
    [InlineData(Who.Ann)]
    public async Task UnknownApiPath_Is404Problem(Who who)
    {
        Answer answer = await host.SendAsync(who, HttpMethod.Post, "/api/nothing/here");

        answer.Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Releases_ForAnAgent_Is403()
    {
        (await host.GetAsync(Who.Agent, "/api/releases")).Problem(HttpStatusCode.Forbidden);
    }

    /// <summary>The one endpoint whose answer differs by design (README, "How the hosts differ").</summary>
    [Fact]
    public async Task Releases_ForAnExecutor_AreTheFeedOrSayWhereTheQueueIs()
    {
        Answer released = await host.SubmitAsync(ContractWorld.Action("crm.contact.read"), wait: "PT30S");

        Answer feed = await host.GetAsync(Who.Executor, "/api/releases?after=0&limit=500");

        if (host.HasReleaseFeed)
        {
            Assert.Equal(HttpStatusCode.OK, feed.Status);
            JsonNode item = feed.Body["items"]!.AsArray().Single(i => i!["actionId"]!.GetValue<string>() == released.Text("id"))!;
            Assert.Equal(released.Text("receipt.jws"), item["receipt"]!["jws"]!.GetValue<string>());
            Assert.Equal("crm.contact.read", item["action"]!["type"]!.GetValue<string>()); // the action as submitted, for the executor
        }
        else
        {
            JsonObject problem = feed.Problem(HttpStatusCode.NotImplemented);
            Assert.Contains("Service Bus", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Releases_BadCursor_Is400OrTheQueueAnswer()
    {
        Answer answer = await host.GetAsync(Who.Executor, "/api/releases?after=-1");

        answer.Problem(host.HasReleaseFeed ? HttpStatusCode.BadRequest : HttpStatusCode.NotImplemented);
    }

    [Fact]
    public async Task Portal_ServesItsPageWithSecurityHeadersAndItsSignInConfiguration()
    {
        Answer page = await host.GetAsync(Who.Anonymous, "/portal/");
        Answer config = await host.GetAsync(Who.Anonymous, "/portal/config.json");
        Answer escape = await host.GetAsync(Who.Anonymous, "/portal/..%2f..%2fappsettings.json");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("text/html", page.ContentType);
        Assert.Contains("default-src 'self'", page.Response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, config.Status);
        Assert.NotNull(config.Body["devMode"]);
        Assert.Equal("text/html", escape.ContentType); // never a file outside the portal: other paths are the app's routes
        Assert.Equal(await page.Response.Content.ReadAsStringAsync(), await escape.Response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Outlook_PressWithoutOutlookSetUp_Is404WithTheCardStatusLine()
    {
        string id = (await host.PendingWriteAsync())["id"]!.GetValue<string>();

        Answer answer = await host.SendAsync(Who.Anonymous, HttpMethod.Post, $"/api/outlook/{id}?decision=approve", "ok");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Contains("portal", answer.Response.Headers.GetValues("CARD-ACTION-STATUS").Single(), StringComparison.Ordinal);
    }
}
