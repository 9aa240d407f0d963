using System.Text.Json;

namespace ApprovalFunctions.Core.Policy.Conditions;

/// <summary>The kinds of value a field can have during evaluation.</summary>
internal enum FieldKind : byte
{
    /// <summary>Absent or JSON null.</summary>
    Missing,
    String,
    Number,
    Boolean,
    Array,
    Object,
}

/// <summary>A resolved field value. Arrays hold their elements; objects are opaque (only <c>exists</c> applies).</summary>
internal readonly struct FieldValue
{
    public static FieldValue Missing => default;

    private FieldValue(FieldKind kind, string? text, double number, bool boolean, FieldValue[]? items)
    {
        Kind = kind;
        Text = text;
        Number = number;
        Boolean = boolean;
        Items = items;
    }

    public FieldKind Kind { get; }

    public string? Text { get; }

    public double Number { get; }

    public bool Boolean { get; }

    public FieldValue[]? Items { get; }

    public bool IsMissing => Kind == FieldKind.Missing;

    public static FieldValue FromString(string? value) => value is null ? Missing : new(FieldKind.String, value, 0, false, null);

    public static FieldValue FromNumber(double value) => new(FieldKind.Number, null, value, false, null);

    public static FieldValue FromBoolean(bool value) => new(FieldKind.Boolean, null, 0, value, null);

    public static FieldValue FromArray(FieldValue[] items) => new(FieldKind.Array, null, 0, false, items);

    public static readonly FieldValue AnObject = new(FieldKind.Object, null, 0, false, null);

    public static FieldValue FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => FromString(element.GetString()),
        JsonValueKind.Number => FromNumber(element.GetDouble()),
        JsonValueKind.True => FromBoolean(true),
        JsonValueKind.False => FromBoolean(false),
        JsonValueKind.Array => FromArray(element.EnumerateArray().Select(FromJson).ToArray()),
        JsonValueKind.Object => AnObject,
        _ => Missing,
    };

    public string KindName => Kind switch
    {
        FieldKind.String => "a string",
        FieldKind.Number => "a number",
        FieldKind.Boolean => "a boolean",
        FieldKind.Array => "an array",
        FieldKind.Object => "an object",
        _ => "missing",
    };
}
