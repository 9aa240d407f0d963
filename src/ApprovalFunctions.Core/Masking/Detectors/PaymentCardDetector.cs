namespace ApprovalFunctions.Core.Masking.Detectors;

/// <summary>
/// Payment card numbers: 13–19 digits, optionally grouped by spaces or dashes, of a known brand's prefix and length,
/// and Luhn-valid. Masked to <c>**** 4242</c>.
/// </summary>
internal sealed class PaymentCardDetector : Detector
{
    public override string Kind => MaskKinds.PaymentCard;

    public override int Priority => 10;

    public override bool MightMatch(in TextProfile profile) => profile.Digits >= 13;

    public override void Scan(string text, List<Finding> findings)
    {
        Span<char> buffer = stackalloc char[19];
        int i = 0;
        while (i < text.Length)
        {
            if (!char.IsAsciiDigit(text[i]) || IsBlockedBefore(text, i))
            {
                i++;
                continue;
            }

            int end = i, digits = 0;
            while (end < text.Length)
            {
                if (char.IsAsciiDigit(text[end]))
                {
                    digits++;
                    end++;
                }
                else if (text[end] is ' ' or '-' && char.IsAsciiDigit(Text.At(text, end + 1)) && digits < 19)
                {
                    end++;
                }
                else
                {
                    break;
                }
            }

            if (digits is >= 13 and <= 19 && !IsBlockedAfter(text, end))
            {
                ReadOnlySpan<char> number = buffer[..Text.Digits(text.AsSpan(i, end - i), buffer)];
                if (IsKnownBrand(number) && Luhn(number))
                {
                    findings.Add(Found(i, end - i, string.Concat("**** ", number[^4..])));
                }
            }

            i = end + 1;
        }
    }

    private static bool IsBlockedBefore(string text, int i)
    {
        char previous = Text.At(text, i - 1);
        return Text.IsWord(previous) || (previous is '.' or '-' or '/' or ',' && char.IsAsciiDigit(Text.At(text, i - 2)));
    }

    private static bool IsBlockedAfter(string text, int end)
    {
        char next = Text.At(text, end);
        return Text.IsWord(next) || (next is '.' or ',' or '-' or '/' && char.IsAsciiDigit(Text.At(text, end + 1)));
    }

    /// <summary>Issuer prefixes and lengths of the major brands (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro).</summary>
    internal static bool IsKnownBrand(ReadOnlySpan<char> n)
    {
        int length = n.Length;
        int p2 = (n[0] - '0') * 10 + (n[1] - '0');
        int p3 = p2 * 10 + (n[2] - '0');
        int p4 = p3 * 10 + (n[3] - '0');
        return n[0] switch
        {
            '4' => length is 13 or 16 or 19,
            '5' => (p2 is >= 51 and <= 55 && length == 16) || (p4 is 5018 or 5020 or 5038 or 5893 && length >= 12),
            '2' => p4 is >= 2221 and <= 2720 && length == 16,
            '3' => (p2 is 34 or 37 && length == 15)
                || ((p3 is >= 300 and <= 305 || p2 is 36 or 38 or 39) && length is >= 14 and <= 19)
                || (p4 is >= 3528 and <= 3589 && length is >= 16 and <= 19),
            '6' => (p4 == 6011 || p2 == 65 || p3 is >= 644 and <= 649 || p2 == 62 || p4 is 6304 or 6759 or 6761 or 6762 or 6763)
                && length is >= 16 and <= 19,
            _ => false,
        };
    }

    internal static bool Luhn(ReadOnlySpan<char> digits)
    {
        int sum = 0;
        bool twice = false;
        for (int i = digits.Length - 1; i >= 0; i--)
        {
            int d = digits[i] - '0';
            if (twice)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            twice = !twice;
        }

        return sum % 10 == 0;
    }
}
