using System.Reflection;
using System.Text.Json.Nodes;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.FunctionApp.Orchestration;
using Microsoft.Azure.Functions.Worker;

namespace ApprovalFunctions.FunctionApp.Tests.Hosting;

/// <summary>
/// What the Functions host will load: the build's <c>functions.metadata</c> (written by Worker.Sdk) lists the
/// orchestrator, every activity the orchestrator calls and every HTTP function, with the triggers and routes the tests run.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static readonly JsonArray Metadata = (JsonArray)JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata")))!;

    [Fact]
    public void Metadata_EveryFunctionOfTheApp_ListedOnce()
    {
        string[] declared = [.. typeof(ServiceRegistration).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            .Select(m => m.GetCustomAttribute<FunctionAttribute>()?.Name).OfType<string>().Order(StringComparer.Ordinal)];

        Assert.Equal(declared, Metadata.Select(f => f!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Metadata_OrchestratorAndEveryActivity_HaveTheirTriggers()
    {
        Assert.Equal("orchestrationTrigger", Trigger(nameof(ApprovalOrchestrator)));
        foreach (string activity in typeof(ApprovalActivities).GetMethods().Select(m => m.GetCustomAttribute<FunctionAttribute>()?.Name).OfType<string>())
        {
            Assert.Equal("activityTrigger", Trigger(activity));
        }

        Assert.Equal(8, Metadata.Count(f => Trigger(f!["name"]!.GetValue<string>()) == "activityTrigger"));
    }

    [Theory]
    [InlineData("SubmitAction", "post", "api/actions")]
    [InlineData("GetAction", "get", "api/actions/{id}")]
    [InlineData("Decide", "post", "api/actions/{id}/decisions")]
    [InlineData("CancelAction", "post", "api/actions/{id}/cancel")]
    [InlineData("GetAudit", "get", "api/actions/{id}/audit")]
    [InlineData("GetCard", "get", "api/actions/{id}/card")]
    [InlineData("ListApprovals", "get", "api/approvals")]
    [InlineData("OutlookAction", "post", "api/outlook/{id}")]
    [InlineData("SlackInteraction", "post", "api/slack/interactions")]
    [InlineData("TeamsMessages", "post", "api/teams/messages")]
    [InlineData("ReceiptKeys", "get", "api/receipts/keys")]
    [InlineData("OpenApi", "get", "api/openapi.json")]
    [InlineData("Health", "get", "healthz")]
    [InlineData("Portal", "get", "portal/{*path}")]
    public void Metadata_HttpFunction_HasItsRouteAndVerb(string name, string verb, string route)
    {
        JsonObject binding = Binding(name, "httpTrigger");

        Assert.Equal(route, binding["route"]!.GetValue<string>());
        Assert.Equal([verb], binding["methods"]!.AsArray().Select(m => m!.GetValue<string>().ToLowerInvariant()));
        Assert.Equal("Anonymous", binding["authLevel"]!.GetValue<string>()); // the app's middleware authenticates, not function keys
    }

    private static string? Trigger(string name) =>
        Function(name)["bindings"]!.AsArray().Select(b => b!["type"]!.GetValue<string>()).FirstOrDefault(t => t.EndsWith("Trigger", StringComparison.Ordinal));

    private static JsonObject Binding(string name, string type) =>
        Function(name)["bindings"]!.AsArray().OfType<JsonObject>().Single(b => b["type"]!.GetValue<string>() == type);

    private static JsonObject Function(string name) =>
        Metadata.OfType<JsonObject>().SingleOrDefault(f => f["name"]!.GetValue<string>() == name) ?? throw new Xunit.Sdk.XunitException($"{name} is not in functions.metadata.");
}
