namespace ApprovalFunctions.Core.Masking.Detectors;

/// <summary>Something found in a string: where, what kind, and what to show instead.</summary>
internal readonly record struct Finding(int Start, int Length, string Kind, string Replacement, int Priority)
{
    public int End => Start + Length;
}

/// <summary>
/// Finds one kind of sensitive value in a string. Implementations are linear scanners (no backtracking regular
/// expressions) and validate what they find (checksums, ranges, boundaries) to keep false positives low.
/// </summary>
internal abstract class Detector
{
    /// <summary>The kind reported for findings, from <see cref="MaskKinds"/>.</summary>
    public abstract string Kind { get; }

    /// <summary>Lower wins when findings overlap: secrets before personal data.</summary>
    public abstract int Priority { get; }

    /// <summary>A cheap test on the string's profile; false means <see cref="Scan"/> cannot find anything.</summary>
    public abstract bool MightMatch(in TextProfile profile);

    /// <summary>
    /// True for detectors that only find something after a keyword (<c>Bearer</c>, <c>eyJ</c>, <c>password</c>…);
    /// they are skipped for strings that contain none of <see cref="TextScanner"/>'s trigger words.
    /// </summary>
    public virtual bool NeedsKeyword => false;

    public abstract void Scan(string text, List<Finding> findings);

    protected Finding Found(int start, int length, string replacement) => new(start, length, Kind, replacement, Priority);
}

/// <summary>Counts taken in one pass over a string, so detectors can skip strings that cannot match.</summary>
internal readonly struct TextProfile
{
    public TextProfile(string text)
    {
        int digits = 0, upper = 0, lower = 0, colons = 0;
        bool at = false, equals = false, dot = false, plus = false;
        foreach (char c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
            else if (char.IsAsciiLetterUpper(c))
            {
                upper++;
            }
            else if (char.IsAsciiLetterLower(c))
            {
                lower++;
            }
            else
            {
                switch (c)
                {
                    case '@': at = true; break;
                    case '=': equals = true; break;
                    case ':': colons++; break;
                    case '.': dot = true; break;
                    case '+': plus = true; break;
                }
            }
        }

        Length = text.Length;
        Digits = digits;
        Upper = upper;
        Lower = lower;
        Colons = colons;
        HasAt = at;
        HasEquals = equals;
        HasDot = dot;
        HasPlus = plus;
    }

    public int Length { get; }

    public int Digits { get; }

    public int Upper { get; }

    public int Lower { get; }

    public int Letters => Upper + Lower;

    public int Colons { get; }

    public bool HasAt { get; }

    public bool HasEquals { get; }

    public bool HasDot { get; }

    public bool HasPlus { get; }
}

/// <summary>Character tests shared by the detectors.</summary>
internal static class Text
{
    public static bool IsWord(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    public static bool IsBase64(char c) => char.IsAsciiLetterOrDigit(c) || c is '+' or '/';

    public static bool IsBase64Url(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    public static char At(string text, int index) => index >= 0 && index < text.Length ? text[index] : '\0';

    /// <summary>True when <paramref name="text"/> contains one of <paramref name="keywords"/> (case-insensitive) within <paramref name="window"/> characters before <paramref name="index"/>.</summary>
    public static bool NearBefore(string text, int index, int window, params ReadOnlySpan<string> keywords)
    {
        int start = Math.Max(0, index - window);
        ReadOnlySpan<char> before = text.AsSpan(start, index - start);
        foreach (string keyword in keywords)
        {
            if (before.Contains(keyword, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public static int CountDigits(ReadOnlySpan<char> span)
    {
        int count = 0;
        foreach (char c in span)
        {
            if (char.IsAsciiDigit(c))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Copies the ASCII digits of <paramref name="span"/> into <paramref name="digits"/> and returns how many there were.</summary>
    public static int Digits(ReadOnlySpan<char> span, Span<char> digits)
    {
        int n = 0;
        foreach (char c in span)
        {
            if (char.IsAsciiDigit(c) && n < digits.Length)
            {
                digits[n++] = c;
            }
        }

        return n;
    }
}
