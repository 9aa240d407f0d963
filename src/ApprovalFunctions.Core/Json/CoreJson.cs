using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ApprovalFunctions.Core.Policy;

namespace ApprovalFunctions.Core.Json;

/// <summary>Source-generated JSON metadata for Core's values: camelCase names, ISO 8601 durations.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(IsoDurationJsonConverter)])]
[JsonSerializable(typeof(PolicyDecision))]
[JsonSerializable(typeof(PolicyDecisionSummary))]
public sealed partial class CoreJsonContext : JsonSerializerContext
{
}

/// <summary>Serialization helpers over <see cref="CoreJsonContext"/>.</summary>
public static class CoreJson
{
    /// <summary>Options for Core's values (camelCase, ISO durations, string enums), indented for people.</summary>
    public static JsonSerializerOptions Indented { get; } = new(CoreJsonContext.Default.Options) { WriteIndented = true };

    /// <summary>Serializes a policy decision in full (as hosts persist it).</summary>
    public static string Serialize(PolicyDecision decision, bool indented = false) =>
        JsonSerializer.Serialize(decision, indented ? (JsonTypeInfo<PolicyDecision>)Indented.GetTypeInfo(typeof(PolicyDecision)) : CoreJsonContext.Default.PolicyDecision);

    /// <summary>Serializes the documented seven-key form of a decision (CLI and API).</summary>
    public static string SerializeSummary(PolicyDecision decision, bool indented = false) =>
        JsonSerializer.Serialize(PolicyDecisionSummary.From(decision),
            indented ? (JsonTypeInfo<PolicyDecisionSummary>)Indented.GetTypeInfo(typeof(PolicyDecisionSummary)) : CoreJsonContext.Default.PolicyDecisionSummary);
}
