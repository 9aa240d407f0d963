using System.Text.Json.Nodes;
using ApprovalFunctions.Gateway.Tests.Support;
using Microsoft.Playwright;

namespace ApprovalFunctions.Gateway.Tests.Portal;

/// <summary>Approvers in a real browser: inbox, review page with the masked card, approve and reject, outcomes.</summary>
[Collection(PortalCollection.Name)]
public sealed class PortalTests(PortalFixture portal)
{
    private static string Action(string summary) => $$$"""
        {"type":"db.write.rows","summary":"{{{summary}}} for dana.smith@contoso.com","requester":{"id":"rita","displayName":"Rita Requester"},
         "target":{"resource":"sql://orders","environment":"production"},"data":{"sourceRegion":"westeurope","destinationRegion":"eastus","classification":["pii"]},
         "parameters":{"rows":12,"card":"4111 1111 1111 1111","connectionString":"Server=x;Password=hunter2","note":"call +44 20 7946 0958"}}
        """;

    [Fact]
    public async Task Approver_OpensTheInboxReviewsTheMaskedActionAndApproves_ItIsReleased()
    {
        string id = await portal.SubmitAsync(Action("Fix order rows"));
        IPage page = await portal.SignInAsync("ann");

        ILocator item = page.GetByRole(AriaRole.Link, new() { Name = "Fix order rows for d***@contoso.com" });
        await item.WaitForAsync();
        string inbox = await page.Locator("main").InnerTextAsync();
        Assert.Contains("westeurope → eastus", inbox, StringComparison.Ordinal);
        Assert.Contains("production writes need an owner", inbox, StringComparison.Ordinal);
        Assert.Contains("1 more approval needed", inbox, StringComparison.Ordinal);
        await item.ClickAsync();

        await page.Locator(".approval-card").WaitForAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "✓ Approve" }).WaitForAsync();
        await page.WaitForURLAsync($"**/portal/review/{id}");
        string html = await page.ContentAsync();
        string text = await page.Locator("main").InnerTextAsync();
        foreach (string secret in new[] { "dana.smith@contoso.com", "4111 1111 1111 1111", "4111111111111111", "hunter2", "7946 0958" })
        {
            Assert.DoesNotContain(secret, html, StringComparison.Ordinal);
        }

        Assert.Contains("d***@contoso.com", text, StringComparison.Ordinal);
        Assert.Contains("prod-writes", text, StringComparison.Ordinal);
        Assert.Contains("Rita Requester", await page.Locator(".approval-card").InnerTextAsync(), StringComparison.Ordinal);
        string? deadlineTitle = await page.Locator(".side-column time").First.GetAttributeAsync("title");
        Assert.EndsWith(" UTC", deadlineTitle, StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalFixture.ArtifactsDirectory, "review-page.png"), FullPage = true });

        // Keyboard only: from the comment box, Tab reaches Approve and Enter presses it.
        await page.Locator("#comment").FillAsync("Checked the ticket");
        await page.Locator("#comment").FocusAsync();
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("✓ Approve", await page.EvaluateAsync<string>("document.activeElement.textContent"));
        await page.Keyboard.PressAsync("Enter");

        await page.GetByText("Approved and released to the executor.").WaitForAsync();
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "✓ Approve" }).CountAsync());
        JsonObject status = await portal.Gateway.WithKey("test-etl-key").StatusWhenAsync(id, s => s.Str("status") == "completed");
        Assert.Equal("released", status.Str("outcome"));
        Assert.Equal("ann", status["approval"]!["requirements"]![0]!["approvedBy"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Requester_CannotApproveTheirOwnRequestThroughThePortal()
    {
        string id = await portal.SubmitAsync(Action("Rita's own change"));
        IPage page = await portal.SignInAsync("rita");

        Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = "Rita's own change for d***@contoso.com" }).CountAsync());
        await page.GotoAsync($"/portal/review/{id}");

        await page.GetByRole(AriaRole.Heading, new() { Name = "Not yours to decide" }).WaitForAsync();
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "✓ Approve" }).CountAsync());
        JsonObject status = await (await portal.Gateway.WithKey("test-etl-key").GetAsync($"/api/actions/{id}")).Body();
        Assert.Equal("pendingApproval", status.Str("status"));
    }

    [Fact]
    public async Task Reject_WithoutAComment_IsNotSentAndWithOneEndsTheRequest()
    {
        string id = await portal.SubmitAsync(Action("Rewrite invoices"));
        IPage page = await portal.SignInAsync("bob");
        await page.GotoAsync($"/portal/review/{id}");
        ILocator reject = page.GetByRole(AriaRole.Button, new() { Name = "✕ Reject" });
        await reject.WaitForAsync();

        await reject.ClickAsync();
        await page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "a comment is required" }).WaitForAsync();
        JsonObject stillPending = await (await portal.Gateway.WithKey("test-etl-key").GetAsync($"/api/actions/{id}")).Body();
        await page.Locator("#comment").FillAsync("Not during the freeze");
        await reject.ClickAsync();

        await page.GetByText("Rejected.", new() { Exact = true }).WaitForAsync();
        Assert.Equal("pendingApproval", stillPending.Str("status"));
        JsonObject status = await portal.Gateway.WithKey("test-etl-key").StatusWhenAsync(id, s => s.Str("status") == "completed");
        Assert.Equal("rejected", status.Str("outcome"));
    }

    [Fact]
    public async Task Review_DecidedElsewhere_ShowsTheOutcomeInsteadOfStaleButtons()
    {
        string id = await portal.SubmitAsync(Action("Reindex orders"));
        IPage page = await portal.SignInAsync("ann");
        await page.GotoAsync($"/portal/review/{id}");
        await page.GetByRole(AriaRole.Button, new() { Name = "✓ Approve" }).WaitForAsync();

        JsonObject digest = await (await portal.Gateway.WithKey("test-etl-key").GetAsync($"/api/actions/{id}")).Body();
        HttpResponseMessage elsewhere = await (await portal.Gateway.PersonAsync("bob")).DecideAsync(id, digest.Str("actionDigest"));

        Assert.Equal(System.Net.HttpStatusCode.OK, elsewhere.StatusCode);
        await page.GetByText("Approved and released to the executor.").WaitForAsync(new() { Timeout = 15_000 });
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "✓ Approve" }).CountAsync());
    }

    [Fact]
    public async Task Review_OnAPhone_FitsTheScreenWithTheDecisionFirst()
    {
        string id = await portal.SubmitAsync(Action("Archive old carts"));
        IPage page = await portal.SignInAsync("ann", new ViewportSize { Width = 390, Height = 844 });
        await page.GotoAsync($"/portal/review/{id}");
        ILocator approve = page.GetByRole(AriaRole.Button, new() { Name = "✓ Approve" });
        await approve.WaitForAsync();
        await page.Locator(".approval-card").WaitForAsync();

        bool overflows = await page.EvaluateAsync<bool>("document.scrollingElement.scrollWidth > document.scrollingElement.clientWidth");
        float decisionTop = (await page.Locator(".decide").BoundingBoxAsync())!.Y;
        float cardTop = (await page.Locator(".approval-card").BoundingBoxAsync())!.Y;

        Assert.False(overflows, "the review page scrolls sideways on a 390 px screen");
        Assert.True(decisionTop < cardTop, "on a phone the decision comes before the details");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalFixture.ArtifactsDirectory, "review-page-phone.png"), FullPage = true });
    }
}
