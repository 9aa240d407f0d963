using System.Text.Json.Nodes;
using ApprovalFunctions.Gateway.Tests.Support;
using Microsoft.Playwright;

namespace ApprovalFunctions.Gateway.Tests.Portal;

/// <summary>
/// The gateway as its own process (development mode, test identities) and a real Chromium driven by Playwright. Debian's
/// Chromium is used (APPROVALS_CHROMIUM, /usr/bin/chromium, …): nothing is downloaded.
/// </summary>
public sealed class PortalFixture : IAsyncLifetime
{
    public const string Policies = """
        policy: portal-tests
        defaults: { effect: requireApproval, approval: { approvers: ["group:security-oncall"], timeout: PT1H } }
        rules:
          - id: prod-writes
            if: { allOf: [ { field: target.environment, equals: production }, { field: action.type, like: "db.write*" } ] }
            then:
              effect: requireApproval
              reason: production writes need an owner
              approval: { approvers: ["group:prod-owners"], minApprovals: 1, timeout: PT1H }
              mask: [parameters.connectionString]
        """;

    private readonly TempDirectory _temp = new();
    private IPlaywright? _playwright;

    internal GatewayProcess Gateway { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public static string ArtifactsDirectory => Path.Combine(RepoPaths.Root, "artifacts", "portal");

    public async Task InitializeAsync()
    {
        string state = Path.Combine(_temp.Path, "state");
        Directory.CreateDirectory(state);
        Gateway = await GatewayProcess.StartAsync(state, _temp.Write("policies.yaml", Policies));
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium(),
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
        Directory.CreateDirectory(ArtifactsDirectory);
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        await Gateway.DisposeAsync();
        _temp.Dispose();
    }

    /// <summary>An agent submits <paramref name="action"/>; returns its id once it waits for approvers.</summary>
    public async Task<string> SubmitAsync(string action)
    {
        HttpClient agent = Gateway.WithKey("test-etl-key");
        (_, JsonObject submitted) = await agent.SubmitAsync(action, wait: "PT0S");
        string id = submitted.Str("id");
        await agent.StatusWhenAsync(id, s => s.Str("status") == "pendingApproval");
        return id;
    }

    /// <summary>A fresh browser context (its own session storage) signed in as <paramref name="person"/>.</summary>
    public async Task<IPage> SignInAsync(string person, ViewportSize? viewport = null)
    {
        IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Gateway.BaseAddress.ToString(),
            ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 900 },
            TimezoneId = "Europe/Berlin",
            Locale = "en-GB",
        });
        IPage page = await context.NewPageAsync();
        await page.GotoAsync("/portal/");
        await page.Locator($"button[data-person='{person}']").ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Waiting for your decision" }).WaitForAsync();
        return page;
    }

    private static string Chromium()
    {
        string[] candidates = [Environment.GetEnvironmentVariable("APPROVALS_CHROMIUM") ?? string.Empty, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
        return candidates.FirstOrDefault(c => c.Length > 0 && File.Exists(c))
            ?? throw new InvalidOperationException(
                "The portal's browser tests need Chromium: install it (Debian: apt-get install chromium; ./test.sh does this) or set APPROVALS_CHROMIUM to its path.");
    }
}

[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalFixture>
{
    public const string Name = "portal";
}
