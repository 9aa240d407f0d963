namespace ApprovalFunctions.Core.Masking.Detectors;

/// <summary><c>dana.smith@contoso.com</c> → <c>d***@contoso.com</c>: the domain is kept, it often decides.</summary>
internal sealed class EmailDetector : Detector
{
    public override string Kind => MaskKinds.Email;

    public override int Priority => 13;

    public override bool MightMatch(in TextProfile profile) => profile.HasAt && profile.HasDot && profile.Length >= 6;

    public override void Scan(string text, List<Finding> findings)
    {
        int at = -1;
        while ((at = text.IndexOf('@', at + 1)) >= 0)
        {
            int start = at;
            while (start > 0 && IsLocal(text[start - 1]) && at - start < 64)
            {
                start--;
            }

            // Dots may not start the local part.
            while (start < at && text[start] == '.')
            {
                start++;
            }

            if (start == at || text[at - 1] == '.')
            {
                continue;
            }

            int end = at + 1;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '.' or '-'))
            {
                end++;
            }

            while (end > at + 1 && text[end - 1] is '.' or '-')
            {
                end--;
            }

            ReadOnlySpan<char> domain = text.AsSpan(at + 1, end - at - 1);
            if (!IsDomain(domain) || Text.IsWord(Text.At(text, end)))
            {
                continue;
            }

            findings.Add(Found(start, end - start, string.Concat(text.AsSpan(start, 1), "***@", domain)));
            at = end - 1;
        }
    }

    private static bool IsLocal(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-';

    private static bool IsDomain(ReadOnlySpan<char> domain)
    {
        int lastDot = domain.LastIndexOf('.');
        if (lastDot <= 0)
        {
            return false;
        }

        foreach (Range range in domain.Split('.'))
        {
            ReadOnlySpan<char> label = domain[range];
            if (label.Length == 0 || label.Length > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }
        }

        ReadOnlySpan<char> tld = domain[(lastDot + 1)..];
        foreach (char c in tld)
        {
            if (!char.IsAsciiLetter(c))
            {
                return false;
            }
        }

        return tld.Length >= 2;
    }
}
