using System.Text.Json;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Policy;

namespace ApprovalFunctions.Core.Tests.Policy;

public class PolicyDecisionTests
{
    private const string Set = """
        policy: p
        defaults: { effect: requireApproval, approval: { approvers: ["group:sec"] } }
        rules:
          - { id: big-exports, if: { field: data.recordCount, greater: 1000 }, then: { effect: deny, reason: "too many records" } }
          - { id: ok, if: { field: parameters.token, like: "ok*" }, then: { effect: allow } }
        """;

    private static PolicyDecision Evaluate(string actionJson) =>
        PolicySet.Load([new PolicySource("p.yaml", Set)]).Evaluate(
            new PolicyInput(ActionParser.Parse(actionJson).Action!, new AgentIdentity("a"), DateTimeOffset.UnixEpoch));

    [Fact]
    public void Evaluate_RuleThatErrs_ReasonSaysItFailedClosed()
    {
        PolicyDecision decision = Evaluate("""{"type":"x","summary":"s","parameters":{"token":"ok"}, "data": {"recordCount": 5}}""");
        Assert.Equal(PolicyEffect.Allow, decision.Effect);

        PolicyDecision failed = PolicySet.Load([new PolicySource("p.yaml", Set.Replace("data.recordCount", "parameters.count", StringComparison.Ordinal))])
            .Evaluate(new PolicyInput(ActionParser.Parse("""{"type":"x","summary":"s","parameters":{"count":"lots"}}""").Action!, new AgentIdentity("a"), DateTimeOffset.UnixEpoch));

        Assert.Equal(PolicyEffect.Deny, failed.Effect);
        Assert.Equal(["too many records (rule big-exports could not be evaluated and fails closed)"], failed.Reasons);
        Assert.Equal("parameters.count is a string but greater compares with a number", Assert.Single(failed.Errors).Message);
    }

    [Fact]
    public void Evaluate_ErrorMessages_NameTheFieldNotTheValue()
    {
        const string secret = "ghp_SuperSecretTokenValue123";
        PolicyDecision decision = Evaluate($$$"""{"type":"x","summary":"s","parameters":{"token":["{{{secret}}}", 42]}}""");

        PolicyError error = Assert.Single(decision.Errors);
        Assert.Equal("ok", error.Rule);
        Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
        Assert.Contains("parameters.token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_Decision_HasExactlyTheDocumentedKeys()
    {
        PolicyDecision decision = Evaluate("""{"type":"x","summary":"s"}""");

        using JsonDocument json = JsonDocument.Parse(CoreJson.SerializeSummary(decision));

        Assert.Equal(
            ["effect", "matchedRules", "reasons", "errors", "approval", "mask", "policyHash"],
            json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("requireApproval", json.RootElement.GetProperty("effect").GetString());
        Assert.Equal("P1D", json.RootElement.GetProperty("approval").GetProperty("timeout").GetString());
    }

    [Fact]
    public void Evaluate_SameInputTwice_GivesEqualDecisions()
    {
        const string action = """{"type":"x","summary":"s","data":{"recordCount":5000}}""";

        Assert.Equal(CoreJson.Serialize(Evaluate(action)), CoreJson.Serialize(Evaluate(action)));
    }

    [Fact]
    public void Load_SameContentTwice_IsCompiledOnceByHash()
    {
        var cache = new PolicySetCache();

        PolicySet first = cache.Load([new PolicySource("a.yaml", Set)]);
        PolicySet second = cache.Load([new PolicySource("renamed.yaml", Set + "\n# a comment changes nothing\n")]);

        Assert.Same(first, second);
        Assert.True(cache.TryGet(first.Hash, out PolicySet? found));
        Assert.Same(first, found);
    }
}
