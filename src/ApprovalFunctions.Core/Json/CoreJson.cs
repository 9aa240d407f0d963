using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;

namespace ApprovalFunctions.Core.Json;

/// <summary>Source-generated JSON metadata for Core's values: camelCase names, ISO 8601 durations.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(IsoDurationJsonConverter), typeof(AuditRecordJsonConverter)])]
[JsonSerializable(typeof(PolicyDecision))]
[JsonSerializable(typeof(PolicyDecisionSummary))]
[JsonSerializable(typeof(ProcessState))]
[JsonSerializable(typeof(ProcessEvent))]
[JsonSerializable(typeof(ProcessStep))]
[JsonSerializable(typeof(DecisionVerdict))]
[JsonSerializable(typeof(ApprovalTally))]
[JsonSerializable(typeof(ReleaseFacts))]
[JsonSerializable(typeof(ProcessStatus))]
[JsonSerializable(typeof(ProcessOutcome))]
[JsonSerializable(typeof(ApprovalChoice))]
[JsonSerializable(typeof(NotificationKind))]
[JsonSerializable(typeof(ReleaseBasis))]
[JsonSerializable(typeof(RefusalReason))]
[JsonSerializable(typeof(VerdictKind))]
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

    /// <summary>Serializes process state for persistence.</summary>
    public static string Serialize(ProcessState state) => JsonSerializer.Serialize(state, CoreJsonContext.Default.ProcessState);

    /// <summary>Reads persisted process state.</summary>
    public static ProcessState DeserializeState(string json) =>
        JsonSerializer.Deserialize(json, CoreJsonContext.Default.ProcessState) ?? throw new JsonException("Process state is null.");

    /// <summary>Serializes an event (polymorphic, with an "event" discriminator).</summary>
    public static string Serialize(ProcessEvent e) => JsonSerializer.Serialize(e, CoreJsonContext.Default.ProcessEvent);

    /// <summary>Reads an event.</summary>
    public static ProcessEvent DeserializeEvent(string json) =>
        JsonSerializer.Deserialize(json, CoreJsonContext.Default.ProcessEvent) ?? throw new JsonException("Event is null.");

    /// <summary>Serializes a step (polymorphic, with a "step" discriminator).</summary>
    public static string Serialize(ProcessStep step) => JsonSerializer.Serialize(step, CoreJsonContext.Default.ProcessStep);

    /// <summary>Reads a step (hosts that run steps out of process pass them as JSON).</summary>
    public static ProcessStep DeserializeStep(string json) =>
        JsonSerializer.Deserialize(json, CoreJsonContext.Default.ProcessStep) ?? throw new JsonException("Step is null.");

    /// <summary>The JSON name of an enum value (for example <c>requireApproval</c>).</summary>
    public static string Name<T>(T value)
        where T : struct, Enum => JsonSerializer.Serialize(value, typeof(T), CoreJsonContext.Default).Trim('"');
}
