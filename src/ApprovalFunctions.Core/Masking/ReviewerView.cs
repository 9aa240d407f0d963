using System.Runtime.CompilerServices;
using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Policy;

namespace ApprovalFunctions.Core.Masking;

/// <summary>
/// What approvers, cards, notifiers and the portal may see of an action: the action with paths and detected values
/// masked, the policy's reasons and plan, and a list of what was hidden and why. Only <see cref="Masker"/> can make one,
/// so code that takes a <see cref="ReviewerView"/> cannot be handed the raw action.
/// </summary>
public sealed class ReviewerView
{
    private readonly ReadOnlyMemory<byte> _maskedJson;
    private StrongBox<JsonElement>? _action;

    internal ReviewerView(ReadOnlyMemory<byte> maskedJson, string actionDigest, IReadOnlyList<MaskedItem> masked, string? agentId, string? agentOwner, PolicyDecisionSummary? decision)
    {
        _maskedJson = maskedJson;
        ActionDigest = actionDigest;
        Masked = masked;
        AgentId = agentId;
        AgentOwner = agentOwner;
        Decision = decision;
    }

    /// <summary>The action with every sensitive value masked (field names, counts, regions and classifications stay readable).</summary>
    public JsonElement Action
    {
        get
        {
            // Parsed on first use: hosts that only forward the JSON never pay for it. The box is published atomically;
            // a race parses twice and one result wins, harmlessly.
            StrongBox<JsonElement>? box = Volatile.Read(ref _action);
            if (box is null)
            {
                var reader = new Utf8JsonReader(_maskedJson.Span);
                box = new StrongBox<JsonElement>(JsonElement.ParseValue(ref reader));
                box = Interlocked.CompareExchange(ref _action, box, null) ?? box;
            }

            return box.Value;
        }
    }

    /// <summary>The digest of the original action, which approvers send back with their decision.</summary>
    public string ActionDigest { get; }

    /// <summary>What was masked, where and why; never the values.</summary>
    public IReadOnlyList<MaskedItem> Masked { get; }

    /// <summary>The calling agent's id (scanned like any string).</summary>
    public string? AgentId { get; }

    /// <summary>The calling agent's owner (scanned like any string).</summary>
    public string? AgentOwner { get; }

    /// <summary>The policy decision (effect, matched rules, reasons, plan), when there is one.</summary>
    public PolicyDecisionSummary? Decision { get; }

    /// <summary>The action type.</summary>
    public string Type => Text("type") ?? string.Empty;

    /// <summary>The summary, masked.</summary>
    public string Summary => Text("summary") ?? string.Empty;

    /// <summary>The intent, masked.</summary>
    public string? Intent => Text("intent");

    /// <summary>The requester's display name, masked.</summary>
    public string? RequesterDisplayName => Text("requester", "displayName");

    /// <summary>The requester's id.</summary>
    public string? RequesterId => Text("requester", "id");

    /// <summary>The target resource, masked.</summary>
    public string? TargetResource => Text("target", "resource");

    /// <summary>The target environment.</summary>
    public string? Environment => Text("target", "environment");

    /// <summary>The data's source region.</summary>
    public string? SourceRegion => Text("data", "sourceRegion");

    /// <summary>The data's destination region.</summary>
    public string? DestinationRegion => Text("data", "destinationRegion");

    /// <summary>The data classification labels.</summary>
    public IReadOnlyList<string> Classification =>
        Action.TryGetProperty("data", out JsonElement data) && data.ValueKind == JsonValueKind.Object
        && data.TryGetProperty("classification", out JsonElement labels) && labels.ValueKind == JsonValueKind.Array
            ? labels.EnumerateArray().Where(l => l.ValueKind == JsonValueKind.String).Select(l => l.GetString()!).ToArray()
            : [];

    /// <summary>The number of records involved.</summary>
    public long? RecordCount =>
        Action.TryGetProperty("data", out JsonElement data) && data.ValueKind == JsonValueKind.Object
        && data.TryGetProperty("recordCount", out JsonElement count) && count.TryGetInt64(out long n) ? n : null;

    /// <summary>
    /// The view as JSON: <c>actionDigest</c>, <c>agent</c>, <c>action</c> (masked), <c>masked</c> (what and why) and
    /// <c>decision</c>.
    /// </summary>
    public string ToJson(bool indented = false)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the JSON form of <see cref="ToJson"/>.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        Check.NotNull(writer);
        writer.WriteStartObject();
        writer.WriteString("actionDigest", ActionDigest);
        if (AgentId is null)
        {
            writer.WriteNull("agent");
        }
        else
        {
            writer.WriteStartObject("agent");
            writer.WriteString("id", AgentId);
            writer.WriteString("owner", AgentOwner);
            writer.WriteEndObject();
        }

        writer.WritePropertyName("action");
        writer.WriteRawValue(_maskedJson.Span, skipInputValidation: true);
        writer.WriteStartArray("masked");
        foreach (MaskedItem item in Masked)
        {
            writer.WriteStartObject();
            writer.WriteString("path", item.Path);
            writer.WriteString("kind", item.Kind);
            writer.WriteString("source", item.Source);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WritePropertyName("decision");
        if (Decision is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            JsonSerializer.Serialize(writer, Decision, CoreJsonContext.Default.PolicyDecisionSummary);
        }

        writer.WriteEndObject();
    }

    private string? Text(string name, string? child = null)
    {
        if (!Action.TryGetProperty(name, out JsonElement value))
        {
            return null;
        }

        if (child is not null)
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(child, out value))
            {
                return null;
            }
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
