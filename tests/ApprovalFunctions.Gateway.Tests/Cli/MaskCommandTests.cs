using System.Text.Json;
using ApprovalFunctions.Gateway.Tests.Support;

namespace ApprovalFunctions.Gateway.Tests.Cli;

public class MaskCommandTests
{
    private const string Action = """
        {
          "type": "db.write.rows",
          "summary": "Refund dana.smith@contoso.com on card 4111 1111 1111 1111",
          "target": { "environment": "production" },
          "parameters": { "connectionString": "Server=tcp:orders;Password=hunter2", "iban": "DE89370400440532013000" }
        }
        """;

    [Fact]
    public async Task Mask_WithoutPolicy_PrintsTheReviewerViewWithDetectorsOnly()
    {
        CliRunner.Result result = await CliRunner.RunWithInputAsync(Action, "mask", "--action", "-");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument view = JsonDocument.Parse(result.Out);
        Assert.Equal("Refund d***@contoso.com on card **** 1111", view.RootElement.GetProperty("action").GetProperty("summary").GetString());
        Assert.Equal(JsonValueKind.Null, view.RootElement.GetProperty("decision").ValueKind);
        Assert.StartsWith("sha256:", view.RootElement.GetProperty("actionDigest").GetString(), StringComparison.Ordinal);
        string[] kinds = view.RootElement.GetProperty("masked").EnumerateArray().Select(m => m.GetProperty("kind").GetString()!).ToArray();
        Assert.Contains("email", kinds);
        Assert.Contains("payment-card", kinds);
        Assert.Contains("iban", kinds);
        Assert.Contains("secret-field", kinds);
    }

    [Fact]
    public async Task Mask_WithPolicy_AppliesTheMatchingRulesMaskPathsAndNamesThem()
    {
        CliRunner.Result result = await CliRunner.RunWithInputAsync(Action, "mask", "--action", "-", "--policy", RepoPaths.Policies, "--now", "2026-11-21T10:00:00Z");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument view = JsonDocument.Parse(result.Out);
        JsonElement connection = view.RootElement.GetProperty("masked").EnumerateArray().Single(m => m.GetProperty("path").GetString() == "parameters.connectionString");
        Assert.Equal("path", connection.GetProperty("kind").GetString());
        Assert.Contains("rule:production.writes-need-two-owners", connection.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal("requireApproval", view.RootElement.GetProperty("decision").GetProperty("effect").GetString());
        foreach (string raw in new[] { "dana.smith@contoso.com", "4111 1111 1111 1111", "hunter2", "DE89370400440532013000" })
        {
            Assert.DoesNotContain(raw, result.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Mask_InvalidAction_ExitsTwoNamingTheField()
    {
        CliRunner.Result result = await CliRunner.RunWithInputAsync("""{"type":"x"}""", "mask", "--action", "-");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("summary: is required", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task Mask_MissingFile_ExitsTwo()
    {
        CliRunner.Result result = await CliRunner.RunAsync("mask", "--action", "/nonexistent/action.json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no such file", result.Error, StringComparison.Ordinal);
    }
}
