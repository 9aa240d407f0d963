using System.Globalization;
using System.Text.Json;

namespace ApprovalFunctions.Core.Policy.Conditions;

/// <summary>One evaluation: the input, field values resolved lazily (each at most once), and the errors of the current rule.</summary>
internal sealed class EvaluationScope
{
    private readonly FieldPath[] _fields;
    private readonly FieldValue[] _values;
    private readonly bool[] _resolved;
    private List<string>? _errors;

    public EvaluationScope(PolicyInput input, FieldPath[] fields)
    {
        Input = input;
        _fields = fields;
        _values = new FieldValue[fields.Length];
        _resolved = new bool[fields.Length];
    }

    public PolicyInput Input { get; }

    public FieldValue Get(int slot)
    {
        if (!_resolved[slot])
        {
            _values[slot] = Resolve(_fields[slot]);
            _resolved[slot] = true;
        }

        return _values[slot];
    }

    public void AddError(string message) => (_errors ??= []).Add(message);

    /// <summary>Returns and clears the errors gathered since the last call.</summary>
    public List<string>? TakeErrors()
    {
        List<string>? errors = _errors;
        _errors = null;
        return errors;
    }

    private FieldValue Resolve(FieldPath path)
    {
        string field = path.Segments.Length > 1 ? path.Segments[1].Name ?? string.Empty : string.Empty;
        var action = Input.Action;
        switch (path.Root)
        {
            case "action":
                return FieldValue.FromString(field switch
                {
                    "type" => action.Type,
                    "summary" => action.Summary,
                    "intent" => action.Intent,
                    _ => action.IdempotencyKey,
                });
            case "agent":
                return FieldValue.FromString(field == "id" ? Input.Agent.Id : Input.Agent.Owner);
            case "identity":
                return FieldValue.FromString(Input.AuthStrength);
            case "risk":
                return action.RiskScore is double score ? FieldValue.FromNumber(score) : FieldValue.Missing;
            case "request":
                DateTimeOffset now = Input.Now.ToUniversalTime();
                return field switch
                {
                    "time" => FieldValue.FromString(now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
                    "hourUtc" => FieldValue.FromNumber(now.Hour),
                    _ => FieldValue.FromString(now.DayOfWeek.ToString()),
                };
            default:
                return ResolveInDocument(action.Document, path.Segments);
        }
    }

    private static FieldValue ResolveInDocument(JsonElement document, FieldPath.Segment[] segments)
    {
        bool wildcard = false;
        foreach (FieldPath.Segment segment in segments)
        {
            wildcard |= segment.IsWildcard;
        }

        if (!wildcard)
        {
            JsonElement current = document;
            foreach (FieldPath.Segment segment in segments)
            {
                if (!Step(current, segment, out current))
                {
                    return FieldValue.Missing;
                }
            }

            return FieldValue.FromJson(current);
        }

        var found = new List<FieldValue>();
        Collect(document, segments, 0, found);
        return found.Count == 0 ? FieldValue.Missing : FieldValue.FromArray([.. found]);
    }

    private static void Collect(JsonElement current, FieldPath.Segment[] segments, int index, List<FieldValue> found)
    {
        if (index == segments.Length)
        {
            FieldValue value = FieldValue.FromJson(current);
            if (value.Kind == FieldKind.Array)
            {
                found.AddRange(value.Items!);
            }
            else if (!value.IsMissing)
            {
                found.Add(value);
            }

            return;
        }

        FieldPath.Segment segment = segments[index];
        if (segment.IsWildcard)
        {
            if (current.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in current.EnumerateArray())
                {
                    Collect(item, segments, index + 1, found);
                }
            }

            return;
        }

        if (Step(current, segment, out JsonElement next))
        {
            Collect(next, segments, index + 1, found);
        }
    }

    private static bool Step(JsonElement current, FieldPath.Segment segment, out JsonElement next)
    {
        if (segment.Name is not null)
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment.Name, out next))
            {
                return true;
            }
        }
        else if (current.ValueKind == JsonValueKind.Array && segment.Index < current.GetArrayLength())
        {
            next = current[segment.Index];
            return true;
        }

        next = default;
        return false;
    }
}
