namespace ApprovalFunctions.Core.Masking.Detectors;

/// <summary>
/// US social security numbers <c>123-45-6789</c> (or spaced), or nine bare digits next to "SSN"/"social security".
/// Never-issued numbers are refused: area 000, 666 or 900–999, group 00, serial 0000.
/// </summary>
internal sealed class UsSsnDetector : Detector
{
    public override string Kind => MaskKinds.UsSsn;

    public override int Priority => 12;

    public override bool MightMatch(in TextProfile profile) => profile.Digits >= 9;

    public override void Scan(string text, List<Finding> findings)
    {
        Span<char> digits = stackalloc char[9];
        for (int i = 0; i + 9 <= text.Length; i++)
        {
            if (!char.IsAsciiDigit(text[i]) || IsBlocked(Text.At(text, i - 1)))
            {
                continue;
            }

            int length;
            char separator = Text.At(text, i + 3);
            if (separator is '-' or ' ' && Digits(text, i, 3) && Text.At(text, i + 6) == separator && Digits(text, i + 4, 2) && Digits(text, i + 7, 4))
            {
                length = 11;
            }
            else if (Digits(text, i, 9) && Text.NearBefore(text, i, 24, "ssn", "social security", "soc sec"))
            {
                length = 9;
            }
            else
            {
                continue;
            }

            if (IsBlocked(Text.At(text, i + length)) || Text.At(text, i + length) == separator)
            {
                continue;
            }

            Text.Digits(text.AsSpan(i, length), digits);
            int area = (digits[0] - '0') * 100 + (digits[1] - '0') * 10 + (digits[2] - '0');
            if (area == 0 || area == 666 || area >= 900 || digits.Slice(3, 2).SequenceEqual("00") || digits.Slice(5, 4).SequenceEqual("0000"))
            {
                continue;
            }

            findings.Add(Found(i, length, "***-**-****"));
            i += length - 1;
        }
    }

    private static bool IsBlocked(char c) => Text.IsWord(c) || c is '-' or '.' or '/';

    private static bool Digits(string text, int start, int count)
    {
        if (start + count > text.Length)
        {
            return false;
        }

        for (int k = start; k < start + count; k++)
        {
            if (!char.IsAsciiDigit(text[k]))
            {
                return false;
            }
        }

        return true;
    }
}
