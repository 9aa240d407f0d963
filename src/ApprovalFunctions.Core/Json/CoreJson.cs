using System.Text.Json;
using System.Text.Json.Serialization;
using ApprovalFunctions.Core.Policy;

namespace ApprovalFunctions.Core.Json;

/// <summary>Source-generated JSON metadata for Core's values: camelCase names, ISO 8601 durations.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(IsoDurationJsonConverter)])]
[JsonSerializable(typeof(PolicyDecision))]
public sealed partial class CoreJsonContext : JsonSerializerContext
{
}

/// <summary>Serialization helpers over <see cref="CoreJsonContext"/>.</summary>
public static class CoreJson
{
    /// <summary>Options for Core's values (camelCase, ISO durations, string enums), indented for people.</summary>
    public static JsonSerializerOptions Indented { get; } = new(CoreJsonContext.Default.Options) { WriteIndented = true };

    /// <summary>Serializes a policy decision.</summary>
    public static string Serialize(PolicyDecision decision, bool indented = false) =>
        JsonSerializer.Serialize(decision, indented ? (System.Text.Json.Serialization.Metadata.JsonTypeInfo<PolicyDecision>)Indented.GetTypeInfo(typeof(PolicyDecision)) : CoreJsonContext.Default.PolicyDecision);
}
