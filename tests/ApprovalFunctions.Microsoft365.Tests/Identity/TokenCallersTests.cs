using System.Security.Claims;
using ApprovalFunctions.Microsoft365.Identity;

namespace ApprovalFunctions.Microsoft365.Tests.Identity;

public class TokenCallersTests
{
    private static ClaimsIdentity Token(params (string Type, string Value)[] claims) => new(claims.Select(c => new Claim(c.Type, c.Value)), "test");

    [Fact]
    public void From_AppWithTheAgentRole_IsAnAgentNamedByItsAppIdWithItsConfiguredOwner()
    {
        var settings = new CallerRoleSettings { AgentOwners = { ["app-1"] = "olga" } };

        TokenCaller caller = TokenCallers.From(Token(("roles", "Approvals.Agent"), ("azp", "app-1"), ("oid", "sp-oid")), settings);

        Assert.Equal("app-1", caller.Id);
        Assert.Equal("olga", caller.Owner);
        Assert.Equal([TokenCallers.Agent], caller.Roles);
    }

    [Theory]
    [InlineData("idtyp", "user")]
    [InlineData("scp", "Approvals.Decide")]
    public void From_UserTokenWithAgentAndExecutorRoles_GetsNeither(string claim, string value)
    {
        var settings = new CallerRoleSettings { AgentOwners = { ["app-1"] = "olga" } };

        TokenCaller caller = TokenCallers.From(
            Token(("roles", "Approvals.Agent"), ("roles", "Approvals.Executor"), ("azp", "app-1"), ("oid", "u-1"), (claim, value)), settings);

        Assert.Equal("u-1", caller.Id);
        Assert.DoesNotContain(TokenCallers.Agent, caller.Roles);
        Assert.DoesNotContain(TokenCallers.Executor, caller.Roles);
        Assert.Null(caller.Owner);
    }

    [Fact]
    public void From_AppOnlyTokenSaidSoByIdtyp_IsAnExecutor() =>
        Assert.Equal([TokenCallers.Executor], TokenCallers.From(Token(("roles", "Approvals.Executor"), ("idtyp", "app"), ("azp", "exec-1"), ("oid", "sp-2")),
            new CallerRoleSettings()).Roles);

    [Fact]
    public void From_PersonWithTheAuditorRole_IsAnAuditor() =>
        Assert.Contains(TokenCallers.Auditor, TokenCallers.From(Token(("roles", "Approvals.Auditor"), ("scp", "Approvals.Decide"), ("oid", "u-2")),
            new CallerRoleSettings()).Roles);

    [Fact]
    public void From_PersonWithTheDecideScope_IsAnApproverWithTheirStrength()
    {
        TokenCaller caller = TokenCallers.From(
            Token(("scp", "User.Read Approvals.Decide"), ("oid", "u-1"), ("preferred_username", "ann@contoso.com"), ("name", "Ann"), ("amr", "pwd"), ("amr", "mfa")),
            new CallerRoleSettings());

        Assert.Equal("u-1", caller.Id);
        Assert.Equal("ann@contoso.com", caller.Email);
        Assert.Equal("mfa", caller.AuthStrength);
        Assert.Equal([TokenCallers.Approver], caller.Roles);
    }

    [Theory]
    [InlineData("fido", null, "phishingResistant")]
    [InlineData("pwd", null, "password")]
    [InlineData("pwd", "c1", "phishingResistantPolicy")]
    public void AuthStrength_ContextsWinOverMethods(string method, string? context, string expected)
    {
        var claims = new List<(string, string)> { ("amr", method) };
        if (context is not null)
        {
            claims.Add(("acrs", context));
        }

        Assert.Equal(expected, TokenCallers.AuthStrength(Token([.. claims]), new Dictionary<string, string> { ["c1"] = "phishingResistantPolicy" }));
    }

    [Fact]
    public void From_NoKnownRoleOrScope_HasNoRoles() =>
        Assert.Empty(TokenCallers.From(Token(("oid", "x"), ("scp", "User.Read")), new CallerRoleSettings()).Roles);
}
