using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ApprovalFunctions.Core.Json;

namespace ApprovalFunctions.Core.Audit;

/// <summary>The audit record types, in the order a process usually writes them.</summary>
public static class AuditRecordTypes
{
    /// <summary>The action was received; the only record that holds the full action.</summary>
    public const string Received = "received";
    /// <summary>The policy decided.</summary>
    public const string Evaluated = "evaluated";
    /// <summary>Approvers were resolved to people (a snapshot).</summary>
    public const string ApproversResolved = "approvers-resolved";
    /// <summary>Approvers were notified (a round).</summary>
    public const string Notified = "notified";
    /// <summary>A valid decision by an approver.</summary>
    public const string Decision = "decision";
    /// <summary>A decision attempt that was refused, and why.</summary>
    public const string DecisionRejected = "decision-rejected";
    /// <summary>Approvers who had not answered were reminded.</summary>
    public const string Reminder = "reminder";
    /// <summary>The request was escalated.</summary>
    public const string Escalated = "escalated";
    /// <summary>The deadline passed; the plan's onTimeout decided.</summary>
    public const string TimedOut = "timed-out";
    /// <summary>The action was released to the executor with a receipt.</summary>
    public const string Released = "released";
    /// <summary>Releasing failed (transiently or for good).</summary>
    public const string ReleaseFailed = "release-failed";
    /// <summary>The requesting agent cancelled the action.</summary>
    public const string Cancelled = "cancelled";
    /// <summary>The process ended; the trail is complete.</summary>
    public const string Completed = "completed";

    /// <summary>Every type.</summary>
    public static readonly IReadOnlyList<string> All =
        [Received, Evaluated, ApproversResolved, Notified, Decision, DecisionRejected, Reminder, Escalated, TimedOut, Released, ReleaseFailed, Cancelled, Completed];
}

/// <summary>
/// One immutable audit record. It is stored as its RFC 8785 canonical JSON; <see cref="Hash"/> is the SHA-256 of that
/// JSON without the <c>hash</c> member, and <see cref="PreviousHash"/> links it to the record before it of the same
/// action, so that any edit, gap or reordering breaks the chain.
/// </summary>
public sealed class AuditRecord
{
    /// <summary>The schema version this code writes.</summary>
    public const int CurrentSchema = 1;

    private AuditRecord(
        int schema, string actionId, long sequence, string type, DateTimeOffset time, string status, string region,
        string actionDigest, string? policyHash, JsonElement content, string? previousHash, string hash)
    {
        Schema = schema;
        ActionId = actionId;
        Sequence = sequence;
        Type = type;
        Time = time;
        Status = status;
        Region = region;
        ActionDigest = actionDigest;
        PolicyHash = policyHash;
        Content = content;
        PreviousHash = previousHash;
        Hash = hash;
    }

    /// <summary>Schema version.</summary>
    public int Schema { get; }

    /// <summary>The action.</summary>
    public string ActionId { get; }

    /// <summary>1-based position in the action's chain.</summary>
    public long Sequence { get; }

    /// <summary>One of <see cref="AuditRecordTypes"/>.</summary>
    public string Type { get; }

    /// <summary>When the event happened (UTC, from the event, never a clock).</summary>
    public DateTimeOffset Time { get; }

    /// <summary>The process status after the event (see <c>ProcessStatus</c>).</summary>
    public string Status { get; }

    /// <summary>The region whose store keeps the record.</summary>
    public string Region { get; }

    /// <summary>The action's digest.</summary>
    public string ActionDigest { get; }

    /// <summary>The policy set's hash, once evaluated.</summary>
    public string? PolicyHash { get; }

    /// <summary>The record's content, a JSON object specific to <see cref="Type"/>.</summary>
    public JsonElement Content { get; }

    /// <summary>The hash of the previous record of this action; null for the first.</summary>
    public string? PreviousHash { get; }

    /// <summary><c>sha256:</c> of the canonical record without this member.</summary>
    public string Hash { get; }

    /// <summary>Creates a record and computes its hash.</summary>
    public static AuditRecord Create(
        string actionId, long sequence, string type, DateTimeOffset time, string status, string region,
        string actionDigest, string? policyHash, JsonElement content, string? previousHash)
    {
        Check.NotNullOrWhiteSpace(actionId);
        Check.NotNullOrWhiteSpace(type);
        Check.Utc(time);
        if (sequence < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, "Sequence numbers start at 1.");
        }

        if (content.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("Record content must be a JSON object.", nameof(content));
        }

        var record = new AuditRecord(CurrentSchema, actionId, sequence, type, time, status, region, actionDigest, policyHash, content.Clone(), previousHash, string.Empty);
        return record.WithHash(record.ComputeHash());
    }

    /// <summary>The canonical JSON bytes of the record, as stored.</summary>
    public byte[] ToCanonicalJson() => Canonical(includeHash: true);

    /// <summary>Recomputes the hash from the record's members.</summary>
    public string ComputeHash() => JsonCanonicalizer.FormatSha256(Canonical(includeHash: false));

    /// <summary>Parses a stored record; throws <see cref="JsonException"/> when it is not a well-formed record.</summary>
    public static AuditRecord Parse(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        JsonElement root = JsonElement.ParseValue(ref reader);
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("An audit record is a JSON object.");
        }

        return new AuditRecord(
            Required(root, "schema").GetInt32(),
            RequiredString(root, "actionId"),
            Required(root, "seq").GetInt64(),
            RequiredString(root, "type"),
            ParseTime(RequiredString(root, "time")),
            RequiredString(root, "status"),
            RequiredString(root, "region"),
            RequiredString(root, "actionDigest"),
            OptionalString(root, "policyHash"),
            Required(root, "content"),
            OptionalString(root, "prev"),
            RequiredString(root, "hash"));
    }

    /// <summary>The time format of records: UTC with seven fractional digits, so that it is canonical.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private AuditRecord WithHash(string hash) =>
        new(Schema, ActionId, Sequence, Type, Time, Status, Region, ActionDigest, PolicyHash, Content, PreviousHash, hash);

    private byte[] Canonical(bool includeHash)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("schema", Schema);
            writer.WriteString("actionId", ActionId);
            writer.WriteNumber("seq", Sequence);
            writer.WriteString("type", Type);
            writer.WriteString("time", FormatTime(Time));
            writer.WriteString("status", Status);
            writer.WriteString("region", Region);
            writer.WriteString("actionDigest", ActionDigest);
            writer.WriteString("policyHash", PolicyHash);
            writer.WritePropertyName("content");
            Content.WriteTo(writer);
            writer.WriteString("prev", PreviousHash);
            if (includeHash)
            {
                writer.WriteString("hash", Hash);
            }

            writer.WriteEndObject();
        }

        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        return JsonCanonicalizer.Canonicalize(JsonElement.ParseValue(ref reader));
    }

    private static JsonElement Required(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new JsonException($"The record has no '{name}'.");

    private static string RequiredString(JsonElement root, string name)
    {
        JsonElement value = Required(root, name);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new JsonException($"'{name}' must be a string.");
    }

    private static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>Where audit records are stored.</summary>
public static class AuditKeys
{
    /// <summary>
    /// <c>{yyyy}/{MM}/{dd}/{actionId}/{seq:D6}-{type}.json</c>, dated by when the action was received so that one
    /// action's records share a folder however long its approval takes.
    /// </summary>
    public static string For(DateTimeOffset actionReceivedAt, string actionId, long sequence, string type)
    {
        if (!ActionIds.IsValid(actionId))
        {
            throw new ArgumentException("Action ids are 1-100 letters, digits, '-' and '_'.", nameof(actionId));
        }

        if (!AuditRecordTypes.All.Contains(type, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Unknown audit record type {LogText.Quote(type)}.", nameof(type));
        }

        DateTime day = actionReceivedAt.UtcDateTime;
        return string.Create(CultureInfo.InvariantCulture, $"{day:yyyy}/{day:MM}/{day:dd}/{actionId}/{sequence:D6}-{type}.json");
    }

    /// <summary>Reads the action id, sequence and type back from a key; false for anything else.</summary>
    public static bool TryParse(string key, out string actionId, out long sequence, out string type)
    {
        actionId = type = string.Empty;
        sequence = 0;
        string[] parts = key.Replace('\\', '/').Split('/');
        if (parts.Length < 5)
        {
            return false;
        }

        string file = parts[^1];
        int dash = file.IndexOf('-', StringComparison.Ordinal);
        if (dash != 6 || !file.EndsWith(".json", StringComparison.Ordinal)
            || !long.TryParse(file.AsSpan(0, 6), NumberStyles.None, CultureInfo.InvariantCulture, out sequence))
        {
            return false;
        }

        actionId = parts[^2];
        type = file[(dash + 1)..^5];
        return ActionIds.IsValid(actionId);
    }
}

/// <summary>Action ids: 1–100 ASCII letters, digits, '-' and '_' (safe in file names, blob names and Durable instance ids).</summary>
public static class ActionIds
{
    /// <summary>True for a well-formed action id.</summary>
    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 100 || !char.IsAsciiLetterOrDigit(id[0]))
        {
            return false;
        }

        foreach (char c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Serializes an audit record as its canonical JSON object (and parses it back).</summary>
public sealed class AuditRecordJsonConverter : JsonConverter<AuditRecord>
{
    /// <inheritdoc />
    public override AuditRecord Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        JsonElement element = JsonElement.ParseValue(ref reader);
        return AuditRecord.Parse(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element));
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, AuditRecord value, JsonSerializerOptions options)
    {
        Check.NotNull(writer);
        Check.NotNull(value);
        writer.WriteRawValue(value.ToCanonicalJson(), skipInputValidation: true);
    }
}
