using ApprovalFunctions.Core.Policy.Conditions;

namespace ApprovalFunctions.Core.Masking;

/// <summary>
/// A path that hides a whole value: <c>parameters.connectionString</c>, <c>parameters.*.email</c> (any property),
/// <c>parameters.rows[*].ssn</c> (any element), <c>parameters.rows[0]</c>. Names match case-insensitively, so an
/// agent cannot dodge a mask by changing case.
/// </summary>
internal sealed class MaskPath
{
    private MaskPath(string text, FieldPath.Segment[] segments, string source)
    {
        Text = text;
        Segments = segments;
        Source = source;
    }

    public string Text { get; }

    public FieldPath.Segment[] Segments { get; }

    /// <summary>Who asked for it: <c>rule:&lt;ids&gt;</c>, <c>defaults</c> or <c>classification:&lt;label&gt;</c>.</summary>
    public string Source { get; }

    public static MaskPath Parse(string text, string source)
    {
        FieldPath? path = FieldPath.TryParse(text, out string? error, forMask: true);
        return path is null ? throw new FormatException(error) : new MaskPath(text, path.Segments, source);
    }

    public static bool IsValid(string text, out string? error) => FieldPath.TryParse(text, out error, forMask: true) is not null;

    /// <summary>True when segment <paramref name="index"/> accepts the property <paramref name="name"/>.</summary>
    public bool AcceptsProperty(int index, string name)
    {
        FieldPath.Segment segment = Segments[index];
        return segment.Name is not null && (segment.Name == "*" || string.Equals(segment.Name, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>True when segment <paramref name="index"/> accepts the array element <paramref name="element"/>.</summary>
    public bool AcceptsElement(int index, int element)
    {
        FieldPath.Segment segment = Segments[index];
        return segment.IsWildcard || (segment.Name is null && segment.Index == element);
    }
}
