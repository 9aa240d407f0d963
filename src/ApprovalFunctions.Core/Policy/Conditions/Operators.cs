namespace ApprovalFunctions.Core.Policy.Conditions;

/// <summary>The leaf operators of the condition language.</summary>
internal enum OperatorKind
{
    Equals,
    NotEquals,
    In,
    NotIn,
    Like,
    NotLike,
    Contains,
    NotContains,
    ContainsAny,
    Exists,
    Greater,
    GreaterOrEquals,
    Less,
    LessOrEquals,
}

internal static class Operators
{
    public static readonly IReadOnlyDictionary<string, OperatorKind> ByName =
        Enum.GetValues<OperatorKind>().ToDictionary(k => char.ToLowerInvariant(k.ToString()[0]) + k.ToString()[1..], k => k, StringComparer.Ordinal);

    public static string Name(OperatorKind kind) => char.ToLowerInvariant(kind.ToString()[0]) + kind.ToString()[1..];

    /// <summary>The negative operators are exactly the negation of their positive twin.</summary>
    public static bool IsNegative(OperatorKind kind, out OperatorKind positive)
    {
        positive = kind switch
        {
            OperatorKind.NotEquals => OperatorKind.Equals,
            OperatorKind.NotIn => OperatorKind.In,
            OperatorKind.NotLike => OperatorKind.Like,
            OperatorKind.NotContains => OperatorKind.Contains,
            _ => kind,
        };
        return positive != kind;
    }

    public static bool TakesList(OperatorKind kind) => kind is OperatorKind.In or OperatorKind.NotIn or OperatorKind.ContainsAny;

    public static bool IsOrdering(OperatorKind kind) =>
        kind is OperatorKind.Greater or OperatorKind.GreaterOrEquals or OperatorKind.Less or OperatorKind.LessOrEquals;
}

/// <summary>A constant from the policy: a string, number or boolean.</summary>
internal readonly record struct Literal(FieldKind Kind, string? Text, double Number, bool Boolean)
{
    public string KindName => Kind switch
    {
        FieldKind.String => "a string",
        FieldKind.Number => "a number",
        _ => "a boolean",
    };
}

/// <summary>Case-insensitive wildcard match: <c>*</c> is any run of characters, <c>?</c> is one character.</summary>
internal sealed class LikePattern(string pattern)
{
    public bool IsMatch(string text)
    {
        // Greedy match with one backtrack point (the last '*'): linear in practice, O(n·m) at worst, no recursion.
        int t = 0, p = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || CharEquals(pattern[p], text[t])))
            {
                t++;
                p++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static bool CharEquals(char a, char b) => a == b || char.ToUpperInvariant(a) == char.ToUpperInvariant(b);
}
