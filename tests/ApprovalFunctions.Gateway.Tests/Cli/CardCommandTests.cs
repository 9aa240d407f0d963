using System.Text.Json.Nodes;
using ApprovalFunctions.Gateway.Tests.Support;

namespace ApprovalFunctions.Gateway.Tests.Cli;

public class CardCommandTests
{
    private const string Action = """
        {"type":"db.write.rows","summary":"Refund dana.smith@contoso.com on card 4111 1111 1111 1111",
         "requester":{"id":"dana","displayName":"Dana"},"target":{"environment":"production"},"data":{"sourceRegion":"westeurope"},
         "parameters":{"connectionString":"Server=tcp:orders;Password=hunter2","rows":3}}
        """;

    [Fact]
    public async Task Card_Outlook_PrintsAVersion10CardWithThePolicyPlanAndMaskedValues()
    {
        CliRunner.Result result = await CliRunner.RunWithInputAsync(Action, "card", "--channel", "outlook", "--action", "-", "--policy", RepoPaths.Policies,
            "--now", "2026-11-21T10:00:00Z", "--base-url", "https://approvals.contoso.com", "--originator", "prov-1", "--recipient", "ann@contoso.com");

        Assert.Equal(0, result.ExitCode);
        JsonNode card = JsonNode.Parse(result.Out)!;
        Assert.Equal("1.0", card["version"]!.GetValue<string>());
        Assert.Equal("prov-1", card["originator"]!.GetValue<string>());
        Assert.Equal("https://approvals.contoso.com/api/outlook/act_preview000000000000000?decision=approve", card["actions"]![0]!["url"]!.GetValue<string>());
        Assert.Contains("production changes are approved by two owners", result.Out, StringComparison.Ordinal);
        Assert.Contains("2026-11-21 11:00 UTC", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("dana.smith@contoso.com", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("4111 1111 1111 1111", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Card_Teams_PrintsAVersion15CardThatOpensThePortal()
    {
        CliRunner.Result result = await CliRunner.RunWithInputAsync(Action, "card", "--channel", "teams", "--action", "-");

        Assert.Equal(0, result.ExitCode);
        JsonNode card = JsonNode.Parse(result.Out)!;
        Assert.Equal("1.5", card["version"]!.GetValue<string>());
        Assert.Equal("http://localhost:7071/portal/review/act_preview000000000000000", card["actions"]![0]!["url"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("sms", "--channel")]
    [InlineData("outlook", "summary")]
    public async Task Card_BadInput_ExitsTwoNamingIt(string channel, string named)
    {
        CliRunner.Result result = await CliRunner.RunWithInputAsync("""{"type":"x"}""", "card", "--channel", channel, "--action", "-");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(named, result.Error, StringComparison.Ordinal);
    }
}
