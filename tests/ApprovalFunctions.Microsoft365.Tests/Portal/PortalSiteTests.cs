using ApprovalFunctions.Microsoft365.Portal;
using Xunit;

namespace ApprovalFunctions.Microsoft365.Tests.Portal;

public sealed class PortalSiteTests : IDisposable
{
    private readonly string root = System.IO.Directory.CreateTempSubdirectory("portal-site-").FullName;

    public PortalSiteTests()
    {
        File.WriteAllText(Path.Combine(root, "index.html"), "<!doctype html>");
        System.IO.Directory.CreateDirectory(Path.Combine(root, "assets"));
        File.WriteAllText(Path.Combine(root, "assets", "app.js"), "1");
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(root)!, "portal-site-secret.txt"), "secret");
    }

    public void Dispose()
    {
        System.IO.Directory.Delete(root, recursive: true);
        File.Delete(Path.Combine(Path.GetDirectoryName(root)!, "portal-site-secret.txt"));
    }

    [Fact]
    public void Resolve_ExistingAsset_ReturnsTheAsset() =>
        Assert.Equal(Path.Combine(root, "assets", "app.js"), PortalSite.Resolve(root, "assets/app.js"));

    [Theory]
    [InlineData("review/act_123")]
    [InlineData(null)]
    [InlineData("")]
    public void Resolve_AppRoute_ReturnsIndex(string? path) =>
        Assert.Equal(Path.Combine(root, "index.html"), PortalSite.Resolve(root, path));

    [Theory]
    [InlineData("../portal-site-secret.txt")]
    [InlineData("assets/../../portal-site-secret.txt")]
    [InlineData("/etc/passwd")]
    public void Resolve_PathLeavingRoot_ReturnsIndexNotTheFile(string path) =>
        Assert.Equal(Path.Combine(root, "index.html"), PortalSite.Resolve(root, path));

    [Fact]
    public void Resolve_PortalNotBuilt_ReturnsNull()
    {
        File.Delete(Path.Combine(root, "index.html"));
        Assert.Null(PortalSite.Resolve(root, "assets/app.js"));
    }

    [Fact]
    public void ContentSecurityPolicy_WithAuthority_AllowsOnlyItsOrigin()
    {
        string csp = PortalSite.ContentSecurityPolicy("https://login.microsoftonline.com/contoso.onmicrosoft.com");
        Assert.Contains("connect-src 'self' https://login.microsoftonline.com;", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("contoso", csp, StringComparison.Ordinal);
    }

    [Fact]
    public void ContentSecurityPolicy_WithoutAuthority_AllowsOnlySelf() =>
        Assert.Contains("connect-src 'self';", PortalSite.ContentSecurityPolicy(null), StringComparison.Ordinal);

    [Fact]
    public void Config_WithoutClientId_OffersNoEntraSignIn()
    {
        var config = PortalSite.Config(devMode: false, clientId: " ", authority: "https://login.microsoftonline.com/x", scope: "s");
        Assert.False(config["devMode"]!.GetValue<bool>());
        Assert.Null(config["entra"]);
    }

    [Fact]
    public void Config_WithClientId_OffersEntraSignIn()
    {
        var config = PortalSite.Config(devMode: false, "11111111-1111-1111-1111-111111111111", "https://login.microsoftonline.com/t", "api://approvals/Approvals.Decide");
        Assert.Equal("api://approvals/Approvals.Decide", config["entra"]!["scope"]!.GetValue<string>());
    }
}
