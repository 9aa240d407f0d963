namespace ApprovalFunctions.Core.Masking.Detectors;

/// <summary>
/// IBANs, compact or printed in groups of four: the country's registered length and ISO 7064 mod-97 check digits
/// must hold. Masked to country and last four (<c>DE** **** 3000</c>).
/// </summary>
internal sealed class IbanDetector : Detector
{
    private static readonly Dictionary<string, int> Lengths = new(StringComparer.Ordinal)
    {
        ["AD"] = 24, ["AE"] = 23, ["AL"] = 28, ["AT"] = 20, ["AZ"] = 28, ["BA"] = 20, ["BE"] = 16, ["BG"] = 22, ["BH"] = 22,
        ["BR"] = 29, ["BY"] = 28, ["CH"] = 21, ["CR"] = 22, ["CY"] = 28, ["CZ"] = 24, ["DE"] = 22, ["DK"] = 18, ["DO"] = 28,
        ["EE"] = 20, ["EG"] = 29, ["ES"] = 24, ["FI"] = 18, ["FO"] = 18, ["FR"] = 27, ["GB"] = 22, ["GE"] = 22, ["GI"] = 23,
        ["GL"] = 18, ["GR"] = 27, ["GT"] = 28, ["HR"] = 21, ["HU"] = 28, ["IE"] = 22, ["IL"] = 23, ["IQ"] = 23, ["IS"] = 26,
        ["IT"] = 27, ["JO"] = 30, ["KW"] = 30, ["KZ"] = 20, ["LB"] = 28, ["LC"] = 32, ["LI"] = 21, ["LT"] = 20, ["LU"] = 20,
        ["LV"] = 21, ["LY"] = 25, ["MC"] = 27, ["MD"] = 24, ["ME"] = 22, ["MK"] = 19, ["MR"] = 27, ["MT"] = 31, ["MU"] = 30,
        ["NL"] = 18, ["NO"] = 15, ["PK"] = 24, ["PL"] = 28, ["PS"] = 29, ["PT"] = 25, ["QA"] = 29, ["RO"] = 24, ["RS"] = 22,
        ["SA"] = 24, ["SC"] = 31, ["SD"] = 18, ["SE"] = 24, ["SI"] = 19, ["SK"] = 24, ["SM"] = 27, ["ST"] = 25, ["SV"] = 28,
        ["TL"] = 23, ["TN"] = 24, ["TR"] = 26, ["UA"] = 29, ["VA"] = 22, ["VG"] = 24, ["XK"] = 20,
    };

    private static readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> LengthsByCountry = Lengths.GetAlternateLookup<ReadOnlySpan<char>>();

    public override string Kind => MaskKinds.Iban;

    public override int Priority => 11;

    public override bool MightMatch(in TextProfile profile) => profile.Length >= 15 && profile.Letters >= 2 && profile.Digits >= 6;

    public override void Scan(string text, List<Finding> findings)
    {
        Span<char> compact = stackalloc char[34];
        Span<char> country = stackalloc char[2];
        for (int i = 0; i + 15 <= text.Length; i++)
        {
            if (!char.IsAsciiLetter(text[i]) || !char.IsAsciiLetter(text[i + 1]) || !char.IsAsciiDigit(text[i + 2]) || !char.IsAsciiDigit(text[i + 3])
                || char.IsAsciiLetterOrDigit(Text.At(text, i - 1)))
            {
                continue;
            }

            country[0] = char.ToUpperInvariant(text[i]);
            country[1] = char.ToUpperInvariant(text[i + 1]);
            if (!LengthsByCountry.TryGetValue(country, out int length))
            {
                continue;
            }

            // Collect `length` alphanumerics, allowing single spaces between groups of four.
            int n = 0;
            int end = i;
            while (end < text.Length && n < length)
            {
                char c = text[end];
                if (char.IsAsciiLetterOrDigit(c))
                {
                    compact[n++] = char.ToUpperInvariant(c);
                    end++;
                }
                else if (c == ' ' && char.IsAsciiLetterOrDigit(Text.At(text, end + 1)) && n % 4 == 0)
                {
                    end++;
                }
                else
                {
                    break;
                }
            }

            if (n != length || char.IsAsciiLetterOrDigit(Text.At(text, end)) || !Mod97(compact[..n]))
            {
                continue;
            }

            findings.Add(Found(i, end - i, string.Concat(country, "** **** ", compact.Slice(n - 4, 4))));
            i = end - 1;
        }
    }

    /// <summary>ISO 7064 MOD 97-10: move the first four characters to the end, letters to 10..35, remainder must be 1.</summary>
    internal static bool Mod97(ReadOnlySpan<char> iban)
    {
        int remainder = 0;
        for (int k = 0; k < iban.Length; k++)
        {
            char c = iban[(k + 4) % iban.Length];
            if (char.IsAsciiDigit(c))
            {
                remainder = (remainder * 10 + (c - '0')) % 97;
            }
            else
            {
                int value = c - 'A' + 10;
                remainder = (remainder * 100 + value) % 97;
            }
        }

        return remainder == 1;
    }
}
