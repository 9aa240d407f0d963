using System.Globalization;
using System.Text.Json.Nodes;

namespace ApprovalFunctions.Core.Policy.Source;

/// <summary>Where something is in a policy file: 1-based line and column.</summary>
/// <param name="File">The file's path as given to the loader.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
public readonly record struct SourcePosition(string File, int Line, int Column)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>
/// A YAML or JSON document as a small tree that remembers positions, so that every load error can say
/// <c>file:line:col</c>. YAML plain scalars are typed by the YAML 1.2 core schema; quoted ones are strings.
/// </summary>
internal abstract class SourceNode(SourcePosition position)
{
    public SourcePosition Position { get; } = position;

    public abstract string KindName { get; }

    /// <summary>The same content as a JSON value (for canonical hashing and for actions written in YAML).</summary>
    public abstract JsonNode? ToJson();
}

internal sealed class MapNode(SourcePosition position, IReadOnlyList<KeyValuePair<ScalarNode, SourceNode>> entries) : SourceNode(position)
{
    public IReadOnlyList<KeyValuePair<ScalarNode, SourceNode>> Entries { get; } = entries;

    public override string KindName => "a mapping";

    public SourceNode? this[string key]
    {
        get
        {
            foreach (KeyValuePair<ScalarNode, SourceNode> entry in Entries)
            {
                if (string.Equals(entry.Key.Text, key, StringComparison.Ordinal))
                {
                    return entry.Value;
                }
            }

            return null;
        }
    }

    public override JsonNode ToJson()
    {
        var obj = new JsonObject();
        foreach (KeyValuePair<ScalarNode, SourceNode> entry in Entries)
        {
            obj[entry.Key.Text] = entry.Value.ToJson();
        }

        return obj;
    }
}

internal sealed class SeqNode(SourcePosition position, IReadOnlyList<SourceNode> items) : SourceNode(position)
{
    public IReadOnlyList<SourceNode> Items { get; } = items;

    public override string KindName => "a list";

    public override JsonNode ToJson()
    {
        var array = new JsonArray();
        foreach (SourceNode item in Items)
        {
            array.Add(item.ToJson());
        }

        return array;
    }
}

internal enum ScalarKind
{
    String,
    Number,
    Boolean,
    Null,
}

internal sealed class ScalarNode : SourceNode
{
    public ScalarNode(SourcePosition position, ScalarKind kind, string text, double number = 0, bool boolean = false) : base(position)
    {
        Kind = kind;
        Text = text;
        Number = number;
        Boolean = boolean;
    }

    public ScalarKind Kind { get; }

    public string Text { get; }

    public double Number { get; }

    public bool Boolean { get; }

    public override string KindName => Kind switch
    {
        ScalarKind.String => "a string",
        ScalarKind.Number => "a number",
        ScalarKind.Boolean => "a boolean",
        _ => "null",
    };

    public override JsonNode? ToJson() => Kind switch
    {
        ScalarKind.String => JsonValue.Create(Text),
        ScalarKind.Number => Number == Math.Floor(Number) && Math.Abs(Number) < 9e15 ? JsonValue.Create((long)Number) : JsonValue.Create(Number),
        ScalarKind.Boolean => JsonValue.Create(Boolean),
        _ => null,
    };

    /// <summary>Types a YAML plain scalar by the YAML 1.2 core schema (decimal numbers only).</summary>
    public static ScalarNode FromYamlPlain(SourcePosition position, string text)
    {
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return new(position, ScalarKind.Null, text);
            case "true" or "True" or "TRUE":
                return new(position, ScalarKind.Boolean, text, boolean: true);
            case "false" or "False" or "FALSE":
                return new(position, ScalarKind.Boolean, text, boolean: false);
        }

        if (LooksNumeric(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number))
        {
            return new(position, ScalarKind.Number, text, number);
        }

        return new(position, ScalarKind.String, text);
    }

    private static bool LooksNumeric(string text)
    {
        // [-+]? ( digits ( . digits? )? | . digits ) ( [eE] [-+]? digits )?
        int i = 0;
        if (i < text.Length && text[i] is '-' or '+')
        {
            i++;
        }

        int digits = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
            digits++;
        }

        if (i < text.Length && text[i] == '.')
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
                digits++;
            }
        }

        if (digits == 0)
        {
            return false;
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '-' or '+')
            {
                i++;
            }

            int exponentDigits = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
                exponentDigits++;
            }

            if (exponentDigits == 0)
            {
                return false;
            }
        }

        return i == text.Length;
    }
}
