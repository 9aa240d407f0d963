using System.Text;
using System.Text.Json;
using ApprovalFunctions.Core.Json;

namespace ApprovalFunctions.Core.Actions;

/// <summary>
/// Turns a request body into an <see cref="ActionRequest"/> or a <see cref="Problem"/> naming every offending field.
/// Size is checked first, then depth and duplicate names in a streaming pass, and only then is a document built.
/// </summary>
public static class ActionParser
{
    private const int MaxTypeLength = 200;
    private const int MaxSummaryLength = 2000;
    private const int MaxIntentLength = 4000;
    private const int MaxIdLength = 256;
    private const int MaxLabelLength = 64;
    private const int MaxResourceLength = 2048;
    private const int MaxIdempotencyKeyLength = 200;

    /// <summary>Parses a UTF-16 string body.</summary>
    public static ActionParseResult Parse(string json, ActionLimits? limits = null)
    {
        Check.NotNull(json);
        return Parse(Encoding.UTF8.GetBytes(json), limits);
    }

    /// <summary>Parses a UTF-8 body.</summary>
    public static ActionParseResult Parse(ReadOnlyMemory<byte> utf8Json, ActionLimits? limits = null)
    {
        limits ??= ActionLimits.Default;
        if (utf8Json.Length > limits.MaxBytes)
        {
            return new(Problem.TooLarge(utf8Json.Length, limits.MaxBytes));
        }

        Problem? shapeProblem = CheckShape(utf8Json.Span, limits.MaxDepth);
        if (shapeProblem is not null)
        {
            return new(shapeProblem);
        }

        using JsonDocument document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = limits.MaxDepth + 8 });
        return Validate(document.RootElement.Clone());
    }

    /// <summary>Validates an already parsed JSON value as an action request.</summary>
    public static ActionParseResult Validate(JsonElement root)
    {
        var errors = new List<FieldError>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new("$", $"must be a JSON object, not {Describe(root.ValueKind)}"));
            return new(Problem.Validation(errors));
        }

        string? type = RequiredString(root, "type", MaxTypeLength, errors);
        if (type is not null && !IsDottedName(type))
        {
            errors.Add(new("type", "must be a name such as data.export (letters, digits and . _ - : /)"));
        }

        string? summary = RequiredString(root, "summary", MaxSummaryLength, errors);
        string? intent = OptionalString(root, "intent", "intent", MaxIntentLength, errors);
        ActionRequester? requester = ReadRequester(root, errors);
        ActionTarget? target = ReadTarget(root, errors);
        ActionData? data = ReadData(root, errors);
        JsonElement? parameters = null;
        if (TryGetPresent(root, "parameters", out JsonElement p))
        {
            if (p.ValueKind == JsonValueKind.Object)
            {
                parameters = p;
            }
            else
            {
                errors.Add(new("parameters", $"must be an object, not {Describe(p.ValueKind)}"));
            }
        }

        string? idempotencyKey = OptionalString(root, "idempotencyKey", "idempotencyKey", MaxIdempotencyKeyLength, errors);
        if (idempotencyKey is not null && !IsPrintableAscii(idempotencyKey))
        {
            errors.Add(new("idempotencyKey", "must be printable ASCII"));
        }

        double? riskScore = ReadRiskScore(root, errors);

        string? digest = null;
        try
        {
            digest = JsonCanonicalizer.Sha256Digest(root);
        }
        catch (JsonCanonicalizationException ex)
        {
            errors.Add(new("$", ex.Message));
        }

        if (errors.Count > 0)
        {
            return new(Problem.Validation(errors));
        }

        return new(new ActionRequest(root, digest!, type!, summary!, intent, requester, target, data, parameters, idempotencyKey, riskScore));
    }

    private static ActionRequester? ReadRequester(JsonElement root, List<FieldError> errors)
    {
        if (!TryGetObject(root, "requester", "requester", errors, out JsonElement requester))
        {
            return null;
        }

        string? id = RequiredString(requester, "id", MaxIdLength, errors, "requester.id");
        string? displayName = OptionalString(requester, "displayName", "requester.displayName", MaxIdLength, errors);
        return id is null ? null : new ActionRequester(id, displayName);
    }

    private static ActionTarget? ReadTarget(JsonElement root, List<FieldError> errors)
    {
        if (!TryGetObject(root, "target", "target", errors, out JsonElement target))
        {
            return null;
        }

        string? resource = OptionalString(target, "resource", "target.resource", MaxResourceLength, errors);
        string? environment = OptionalString(target, "environment", "target.environment", MaxLabelLength, errors);
        return new ActionTarget(resource, environment);
    }

    private static ActionData? ReadData(JsonElement root, List<FieldError> errors)
    {
        if (!TryGetObject(root, "data", "data", errors, out JsonElement data))
        {
            return null;
        }

        var classification = new List<string>();
        if (TryGetPresent(data, "classification", out JsonElement labels))
        {
            if (labels.ValueKind != JsonValueKind.Array)
            {
                errors.Add(new("data.classification", $"must be an array of strings, not {Describe(labels.ValueKind)}"));
            }
            else
            {
                int i = 0;
                foreach (JsonElement label in labels.EnumerateArray())
                {
                    string path = $"data.classification[{i++}]";
                    if (label.ValueKind != JsonValueKind.String)
                    {
                        errors.Add(new(path, $"must be a string, not {Describe(label.ValueKind)}"));
                    }
                    else if (string.IsNullOrWhiteSpace(label.GetString()))
                    {
                        errors.Add(new(path, "must not be empty"));
                    }
                    else if (label.GetString()!.Length > MaxLabelLength)
                    {
                        errors.Add(new(path, $"must be at most {MaxLabelLength} characters"));
                    }
                    else
                    {
                        classification.Add(label.GetString()!);
                    }
                }
            }
        }

        string? source = ReadRegion(data, "sourceRegion", errors);
        string? destination = ReadRegion(data, "destinationRegion", errors);
        long? recordCount = null;
        if (TryGetPresent(data, "recordCount", out JsonElement count))
        {
            if (count.ValueKind != JsonValueKind.Number || !count.TryGetInt64(out long n) || n < 0)
            {
                errors.Add(new("data.recordCount", "must be a non-negative integer"));
            }
            else
            {
                recordCount = n;
            }
        }

        return new ActionData(classification, source, destination, recordCount);
    }

    private static string? ReadRegion(JsonElement data, string name, List<FieldError> errors)
    {
        string path = "data." + name;
        string? region = OptionalString(data, name, path, MaxLabelLength, errors);
        if (region is null)
        {
            return null;
        }

        if (!Regions.IsRegionShaped(region))
        {
            errors.Add(new(path, "must be a region name such as westeurope (letters, digits and inner hyphens, 2 to 40 characters)"));
            return null;
        }

        return Regions.Normalize(region);
    }

    private static double? ReadRiskScore(JsonElement root, List<FieldError> errors)
    {
        if (!TryGetObject(root, "risk", "risk", errors, out JsonElement risk) || !TryGetPresent(risk, "score", out JsonElement score))
        {
            return null;
        }

        if (score.ValueKind != JsonValueKind.Number || !score.TryGetDouble(out double value) || !double.IsFinite(value))
        {
            errors.Add(new("risk.score", "must be a number"));
            return null;
        }

        return value;
    }

    private static string? RequiredString(JsonElement parent, string name, int maxLength, List<FieldError> errors, string? path = null)
    {
        path ??= name;
        if (!TryGetPresent(parent, name, out JsonElement value))
        {
            errors.Add(new(path, "is required"));
            return null;
        }

        return StringValue(value, path, maxLength, errors, required: true);
    }

    private static string? OptionalString(JsonElement parent, string name, string path, int maxLength, List<FieldError> errors) =>
        TryGetPresent(parent, name, out JsonElement value) ? StringValue(value, path, maxLength, errors, required: false) : null;

    private static string? StringValue(JsonElement value, string path, int maxLength, List<FieldError> errors, bool required)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new(path, $"must be a string, not {Describe(value.ValueKind)}"));
            return null;
        }

        string text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required)
            {
                errors.Add(new(path, "must not be empty"));
            }

            return null;
        }

        if (text.Length > maxLength)
        {
            errors.Add(new(path, $"must be at most {maxLength} characters"));
            return null;
        }

        return text;
    }

    private static bool TryGetObject(JsonElement parent, string name, string path, List<FieldError> errors, out JsonElement value)
    {
        if (!TryGetPresent(parent, name, out value))
        {
            return false;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path, $"must be an object, not {Describe(value.ValueKind)}"));
            return false;
        }

        return true;
    }

    /// <summary>A property that is absent or JSON null counts as not given.</summary>
    private static bool TryGetPresent(JsonElement parent, string name, out JsonElement value) =>
        parent.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static bool IsDottedName(string value)
    {
        if (!char.IsAsciiLetterOrDigit(value[0]))
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-' or ':' or '/'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsPrintableAscii(string value)
    {
        foreach (char c in value)
        {
            if (c is < (char)0x20 or > (char)0x7E)
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>
    /// One streaming pass: syntax, nesting depth and duplicate property names (the body must be I-JSON, RFC 7493,
    /// or its digest would not say what is being approved).
    /// </summary>
    private static Problem? CheckShape(ReadOnlySpan<byte> utf8, int maxDepth)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = maxDepth + 8 });
        var names = new Stack<HashSet<string>?>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        if (reader.CurrentDepth + 1 > maxDepth)
                        {
                            return Problem.TooDeep(maxDepth, Where(utf8, (int)reader.TokenStartIndex));
                        }

                        names.Push(reader.TokenType == JsonTokenType.StartObject ? new HashSet<string>(StringComparer.Ordinal) : null);
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        names.Pop();
                        break;
                    case JsonTokenType.String when reader.ValueIsEscaped:
                        // Only escaped strings can hold an unpaired surrogate (\ud800); decoding one throws.
                        _ = reader.GetString();
                        break;
                    case JsonTokenType.PropertyName:
                        string name = reader.GetString()!;
                        if (!names.Peek()!.Add(name))
                        {
                            return Problem.Validation([new FieldError("$", $"duplicate property name {LogText.Quote(name)} ({Where(utf8, (int)reader.TokenStartIndex)})")]);
                        }

                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            return Problem.MalformedJson(DescribeJsonError(ex));
        }
        catch (InvalidOperationException)
        {
            // Thrown by GetString for a string with an unpaired surrogate escape.
            return Problem.MalformedJson($"a string contains an unpaired surrogate escape ({Where(utf8, (int)reader.TokenStartIndex)})");
        }

        return null;
    }

    private static string DescribeJsonError(JsonException ex)
    {
        // STJ messages end with "LineNumber: n | BytePositionInLine: m."; restate the position 1-based and drop the rest.
        string message = ex.Message;
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut >= 0)
        {
            message = message[..cut];
        }

        string position = ex.LineNumber is long line ? $"line {line + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}: " : string.Empty;
        return position + LogText.Sanitize(message, 200);
    }

    private static string Where(ReadOnlySpan<byte> utf8, int index)
    {
        ReadOnlySpan<byte> before = utf8[..index];
        int line = before.Count((byte)'\n') + 1;
        int lastNewline = before.LastIndexOf((byte)'\n');
        return $"line {line}, byte {index - lastNewline}";
    }
}

/// <summary>The outcome of parsing an action body: the action, or the problem with it.</summary>
public sealed class ActionParseResult
{
    internal ActionParseResult(ActionRequest action) => Action = action;

    internal ActionParseResult(Problem problem) => Problem = problem;

    /// <summary>The action, when the body was valid.</summary>
    public ActionRequest? Action { get; }

    /// <summary>What was wrong, when it was not.</summary>
    public Problem? Problem { get; }

    /// <summary>True when <see cref="Action"/> is set.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Action))]
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(false, nameof(Problem))]
    public bool IsValid => Action is not null;
}
