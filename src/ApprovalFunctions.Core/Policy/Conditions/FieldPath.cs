using System.Globalization;

namespace ApprovalFunctions.Core.Policy.Conditions;

/// <summary>
/// A parsed field reference such as <c>data.classification</c>, <c>parameters.rows[*].region</c> or
/// <c>parameters.items[0]</c>. The first segment is a known root; see <see cref="Roots"/>.
/// </summary>
internal sealed class FieldPath
{
    /// <summary>Roots whose sub-fields are read from the submitted action document.</summary>
    public static readonly string[] DocumentRoots = ["requester", "target", "data", "parameters"];

    /// <summary>Roots with a fixed set of sub-fields, supplied by the host or derived from the action.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> FixedRoots = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["action"] = ["type", "summary", "intent", "idempotencyKey"],
        ["agent"] = ["id", "owner"],
        ["identity"] = ["authStrength"],
        ["request"] = ["time", "hourUtc", "dayOfWeek"],
        ["risk"] = ["score"],
    };

    public static IEnumerable<string> Roots => FixedRoots.Keys.Concat(DocumentRoots);

    private FieldPath(string text, Segment[] segments)
    {
        Text = text;
        Segments = segments;
    }

    public string Text { get; }

    public Segment[] Segments { get; }

    public string Root => Segments[0].Name!;

    /// <summary>Top-level action fields that mask paths may name besides the document roots.</summary>
    public static readonly string[] MaskOnlyRoots = ["summary", "intent"];

    /// <summary>
    /// Parses <paramref name="text"/>; on failure returns null and says why. Mask paths (<paramref name="forMask"/>) may use
    /// <c>*</c> for any property name and may only name parts of the submitted document.
    /// </summary>
    public static FieldPath? TryParse(string text, out string? error, bool forMask = false)
    {
        error = null;
        var segments = new List<Segment>();
        int i = 0;
        while (i < text.Length)
        {
            int start = i;
            while (i < text.Length && text[i] is not ('.' or '['))
            {
                i++;
            }

            if (i == start)
            {
                error = $"field {LogText.Quote(text)} has an empty name at position {i + 1}";
                return null;
            }

            string name = text[start..i];
            if (name == "*" && !forMask)
            {
                error = $"field {LogText.Quote(text)} uses '*' as a name; conditions use [*] for array elements";
                return null;
            }

            segments.Add(Segment.Named(name));
            while (i < text.Length && text[i] == '[')
            {
                int close = text.IndexOf(']', i);
                if (close < 0)
                {
                    error = $"field {LogText.Quote(text)} has an unclosed '['";
                    return null;
                }

                string inner = text[(i + 1)..close];
                if (inner == "*")
                {
                    segments.Add(Segment.Wildcard);
                }
                else if (int.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                {
                    segments.Add(Segment.At(index));
                }
                else
                {
                    error = $"field {LogText.Quote(text)} has an invalid index [{LogText.Sanitize(inner, 16)}]; use [n] or [*]";
                    return null;
                }

                i = close + 1;
            }

            if (i < text.Length)
            {
                if (text[i] != '.')
                {
                    error = $"field {LogText.Quote(text)} is malformed at position {i + 1}";
                    return null;
                }

                i++;
                if (i == text.Length)
                {
                    error = $"field {LogText.Quote(text)} ends with '.'";
                    return null;
                }
            }
        }

        if (segments.Count == 0 || segments[0].Name is null)
        {
            error = "field must not be empty";
            return null;
        }

        string root = segments[0].Name!;
        if (forMask)
        {
            if (!DocumentRoots.Contains(root, StringComparer.Ordinal) && !MaskOnlyRoots.Contains(root, StringComparer.Ordinal))
            {
                error = $"mask path {LogText.Quote(text)} must start with one of {string.Join(", ", DocumentRoots.Concat(MaskOnlyRoots))}";
                return null;
            }

            return new FieldPath(text, [.. segments]);
        }

        if (FixedRoots.TryGetValue(root, out string[]? known))
        {
            if (segments.Count != 2 || segments[1].Name is null || !known.Contains(segments[1].Name, StringComparer.Ordinal))
            {
                error = $"unknown field {LogText.Quote(text)}; {root}.* has {string.Join(", ", known.Select(k => root + "." + k))}";
                return null;
            }
        }
        else if (!DocumentRoots.Contains(root, StringComparer.Ordinal))
        {
            error = $"unknown field {LogText.Quote(text)}; fields start with one of {string.Join(", ", Roots)}";
            return null;
        }

        return new FieldPath(text, [.. segments]);
    }

    public override string ToString() => Text;

    internal readonly record struct Segment(string? Name, int Index, bool IsWildcard)
    {
        public static readonly Segment Wildcard = new(null, -1, true);

        public static Segment Named(string name) => new(name, -1, false);

        public static Segment At(int index) => new(null, index, false);
    }
}
