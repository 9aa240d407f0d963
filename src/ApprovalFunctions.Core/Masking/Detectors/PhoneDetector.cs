namespace ApprovalFunctions.Core.Masking.Detectors;

/// <summary>
/// Phone numbers: E.164 and international forms (<c>+44 20 7946 0958</c>, <c>0044 …</c>), NANP
/// (<c>(415) 555-2671</c>, <c>415-555-2671</c>, <c>1-415-555-2671</c>) and leading-zero national forms
/// (<c>020 7946 0958</c>, <c>01 23 45 67 89</c>); bare digit runs only next to a word such as "phone".
/// Dates, version numbers, ids and order numbers do not have these shapes. Masked to country code and last two digits.
/// </summary>
internal sealed class PhoneDetector : Detector
{
    private static readonly HashSet<int> TwoDigitCountryCodes =
    [
        20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49,
        51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86,
        90, 91, 92, 93, 94, 95, 98,
    ];

    public override string Kind => MaskKinds.Phone;

    public override int Priority => 14;

    public override bool MightMatch(in TextProfile profile) => profile.Digits >= 10 || (profile.Digits >= 8 && profile.HasPlus);

    public override void Scan(string text, List<Finding> findings)
    {
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (!(char.IsAsciiDigit(c) || c is '+' or '(') || !IsLeftBoundary(Text.At(text, i - 1)))
            {
                i++;
                continue;
            }

            int end = Extend(text, i);
            if (end > i && Text.CountDigits(text.AsSpan(i, end - i)) >= 8 && !IsRightBlocked(text, end) && !(text[i] != '+' && FollowsIbanGroups(text, i)) && TryMask(text, i, end, out string? replacement))
            {
                findings.Add(Found(i, end - i, replacement!));
                i = end;
                continue;
            }

            // Skip the whole candidate so a number is judged once, from its start, never from a tail.
            i = Math.Max(i + 1, end);
        }
    }

    private static bool IsLeftBoundary(char previous) =>
        previous == '\0' || !(Text.IsWord(previous) || previous is '-' or '.' or '/' or '#' or '+' or ':' or '=' or '$' or '€' or '£');

    /// <summary>
    /// True when the candidate continues an IBAN printed in groups (<c>NL91 ABNA 0417…</c>): a wrong check digit makes it
    /// no IBAN, but its digit groups are still not a phone number.
    /// </summary>
    private static bool FollowsIbanGroups(string text, int start)
    {
        int k = start;
        for (int groups = 0; groups < 8 && k >= 5 && text[k - 1] == ' '; groups++)
        {
            ReadOnlySpan<char> group = text.AsSpan(k - 5, 4);
            bool alphanumeric = true;
            foreach (char c in group)
            {
                alphanumeric &= char.IsAsciiDigit(c) || char.IsAsciiLetterUpper(c);
            }

            if (!alphanumeric || (k >= 6 && char.IsAsciiLetterOrDigit(text[k - 6])))
            {
                return false;
            }

            if (char.IsAsciiLetterUpper(group[0]) && char.IsAsciiLetterUpper(group[1]) && char.IsAsciiDigit(group[2]) && char.IsAsciiDigit(group[3]))
            {
                return true;
            }

            k -= 5;
        }

        return false;
    }

    private static bool IsRightBlocked(string text, int end)
    {
        char next = Text.At(text, end);
        return Text.IsWord(next) || (next is '.' or '-' or ':' or '/' && char.IsAsciiDigit(Text.At(text, end + 1)));
    }

    /// <summary>Extends over digits and single separators (space, dash, dot, parentheses) and trims trailing separators.</summary>
    private static int Extend(string text, int start)
    {
        int end = start;
        if (text[end] == '+')
        {
            end++;
        }

        int lastDigit = -1;
        char previous = '\0';
        for (; end < text.Length && end - start < 32; end++)
        {
            char c = text[end];
            if (char.IsAsciiDigit(c))
            {
                lastDigit = end;
            }
            else if (c is ' ' or '-' or '.' or '(' or ')')
            {
                // Two separators in a row only as ") " or " (".
                if (previous is ' ' or '-' or '.' or '(' or ')' && !(previous == ')' && c == ' ') && !(previous == ' ' && c == '('))
                {
                    break;
                }
            }
            else
            {
                break;
            }

            previous = c;
        }

        return lastDigit < 0 ? start : lastDigit + 1;
    }

    private static bool TryMask(string text, int start, int end, out string? replacement)
    {
        replacement = null;
        ReadOnlySpan<char> candidate = text.AsSpan(start, end - start);
        if (candidate.Count('(') != candidate.Count(')'))
        {
            return false;
        }

        Span<char> digitBuffer = stackalloc char[32];
        ReadOnlySpan<char> digits = digitBuffer[..Text.Digits(candidate, digitBuffer)];
        Span<int> groupBuffer = stackalloc int[16];
        ReadOnlySpan<int> groups = groupBuffer[..Groups(candidate, groupBuffer)];
        bool separated = groups.Length > 1;
        if (candidate[0] == '+' || (candidate.StartsWith("00") && digits.Length >= 11 && separated))
        {
            ReadOnlySpan<char> international = candidate[0] == '+' ? digits : digits[2..];
            if (international.Length is < 8 or > 15 || international[0] == '0')
            {
                return false;
            }

            // Without separators a +number must be long enough to be a real E.164 number.
            if (!separated && international.Length < 10)
            {
                return false;
            }

            int cc = CountryCodeLength(international);
            replacement = $"+{international[..cc]} {new string('*', international.Length - cc - 2)}{international[^2..]}";
            return true;
        }

        bool plausible =
            IsNanp(groups, digits, candidate) ||
            IsLeadingZeroNational(groups, digits, candidate) ||
            (!separated && digits.Length is 10 or 11 && Text.NearBefore(text, start, 24, "phone", "tel", "mobile", "cell", "call", "sms", "fax", "whatsapp"));
        if (!plausible)
        {
            return false;
        }

        replacement = string.Concat(new string('*', digits.Length - 2), digits[^2..]);
        return true;
    }

    private static bool IsNanp(ReadOnlySpan<int> groups, ReadOnlySpan<char> digits, ReadOnlySpan<char> candidate)
    {
        // (NXX) NXX-XXXX, NXX-NXX-XXXX, NXX.NXX.XXXX, NXX NXX XXXX, optionally led by 1.
        int offset = groups.Length == 4 && groups[0] == 1 && digits[0] == '1' ? 1 : 0;
        if (groups.Length - offset != 3 || groups[offset] != 3 || groups[offset + 1] != 3 || groups[offset + 2] != 4)
        {
            return false;
        }

        char area = digits[offset], exchange = digits[offset + 3];
        if (area is '0' or '1' || exchange is '0' or '1')
        {
            return false;
        }

        // One kind of separator between the last two groups, as people write them.
        return !candidate.Contains("..", StringComparison.Ordinal);
    }

    private static bool IsLeadingZeroNational(ReadOnlySpan<int> groups, ReadOnlySpan<char> digits, ReadOnlySpan<char> candidate)
    {
        if (digits[0] != '0' || digits.Length is < 10 or > 11 || groups.Length is < 2 or > 5 || candidate.Contains('.'))
        {
            return false;
        }

        foreach (int g in groups)
        {
            if (g < 2)
            {
                return false;
            }
        }

        return true;
    }

    private static int Groups(ReadOnlySpan<char> candidate, Span<int> groups)
    {
        int count = 0, length = 0;
        foreach (char c in candidate)
        {
            if (char.IsAsciiDigit(c))
            {
                length++;
            }
            else if (length > 0)
            {
                if (count < groups.Length)
                {
                    groups[count++] = length;
                }

                length = 0;
            }
        }

        if (length > 0 && count < groups.Length)
        {
            groups[count++] = length;
        }

        return count;
    }

    private static int CountryCodeLength(ReadOnlySpan<char> international)
    {
        if (international[0] is '1' or '7')
        {
            return 1;
        }

        int two = (international[0] - '0') * 10 + (international[1] - '0');
        return TwoDigitCountryCodes.Contains(two) ? 2 : 3;
    }
}
