using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ApprovalFunctions.Core.Masking.Detectors;

/// <summary>IPv4 dotted quads (each octet 0–255, not part of a longer dotted version string); masked to the first two octets.</summary>
internal sealed class IPv4Detector : Detector
{
    public override string Kind => MaskKinds.IPv4;

    // Below IPv6, which may embed an IPv4 address (::ffff:192.0.2.128).
    public override int Priority => 16;

    public override bool MightMatch(in TextProfile profile) => profile.HasDot && profile.Digits >= 4;

    public override void Scan(string text, List<Finding> findings)
    {
        Span<int> octets = stackalloc int[4];
        for (int i = 0; i < text.Length; i++)
        {
            char previous = Text.At(text, i - 1);
            if (!char.IsAsciiDigit(text[i]) || Text.IsWord(previous) || previous is '.' or '-')
            {
                continue;
            }

            int end = i;
            int count = 0;
            bool valid = true;
            while (count < 4)
            {
                int start = end, value = 0;
                while (end < text.Length && char.IsAsciiDigit(text[end]) && end - start < 3)
                {
                    value = value * 10 + (text[end] - '0');
                    end++;
                }

                if (end == start || value > 255 || char.IsAsciiDigit(Text.At(text, end)))
                {
                    valid = false;
                    break;
                }

                octets[count++] = value;
                if (count < 4)
                {
                    if (Text.At(text, end) != '.')
                    {
                        valid = false;
                        break;
                    }

                    end++;
                }
            }

            char next = Text.At(text, end);
            if (!valid || Text.IsWord(next) || (next is '.' or '-' && char.IsAsciiDigit(Text.At(text, end + 1))))
            {
                i = Math.Max(i, end - 1);
                continue;
            }

            string replacement = string.Create(CultureInfo.InvariantCulture, $"{octets[0]}.{octets[1]}.x.x");
            findings.Add(Found(i, end - i, replacement));
            i = end - 1;
        }
    }
}

/// <summary>IPv6 addresses (full or <c>::</c>-compressed, as the runtime parses them); masked to the first 48 bits.</summary>
internal sealed class IPv6Detector : Detector
{
    public override string Kind => MaskKinds.IPv6;

    public override int Priority => 15;

    public override bool MightMatch(in TextProfile profile) => profile.Colons >= 2;

    public override void Scan(string text, List<Finding> findings)
    {
        int i = 0;
        while (i < text.Length)
        {
            if (!IsAddressChar(text[i]) || IsAddressChar(Text.At(text, i - 1)) || Text.IsWord(Text.At(text, i - 1)))
            {
                i++;
                continue;
            }

            int end = i;
            int colons = 0;
            while (end < text.Length && IsAddressChar(text[end]))
            {
                colons += text[end] == ':' ? 1 : 0;
                end++;
            }

            // A trailing colon is punctuation ("at fe80::1: refused").
            int trimmed = end;
            while (trimmed > i && text[trimmed - 1] == ':' && Text.At(text, trimmed - 2) != ':')
            {
                trimmed--;
            }

            ReadOnlySpan<char> candidate = text.AsSpan(i, trimmed - i);
            if (colons >= 2 && !Text.IsWord(Text.At(text, end)) && (candidate.Contains("::", StringComparison.Ordinal) || candidate.Count(':') == 7)
                && IPAddress.TryParse(candidate, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                byte[] bytes = address.GetAddressBytes();
                string prefix = string.Create(CultureInfo.InvariantCulture, $"{(bytes[0] << 8) | bytes[1]:x}:{(bytes[2] << 8) | bytes[3]:x}:{(bytes[4] << 8) | bytes[5]:x}::/48");
                findings.Add(Found(i, trimmed - i, prefix));
            }

            i = end + 1;
        }
    }

    private static bool IsAddressChar(char c) => char.IsAsciiHexDigit(c) || c is ':' or '.';
}
