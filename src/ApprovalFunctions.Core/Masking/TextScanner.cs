using System.Buffers;
using System.Text;
using ApprovalFunctions.Core.Masking.Detectors;

namespace ApprovalFunctions.Core.Masking;

/// <summary>Runs every detector over a string and rewrites it with the findings replaced.</summary>
internal sealed class TextScanner
{
    public static readonly TextScanner Default = new([
        new PrivateKeyDetector(), new JwtDetector(), new BearerTokenDetector(), new AzureConnectionSecretDetector(), new AwsAccessKeyIdDetector(),
        new AwsSecretKeyDetector(), new UrlCredentialDetector(), new SecretAssignmentDetector(), new AzureStorageKeyDetector(),
        new PaymentCardDetector(), new IbanDetector(), new UsSsnDetector(), new EmailDetector(), new PhoneDetector(),
        new IPv4Detector(), new IPv6Detector(),
    ]);

    /// <summary>Every word a keyword detector starts from; one vectorized search decides whether any of them must run.</summary>
    private static readonly SearchValues<string> Triggers = SearchValues.Create(
        [
            "bearer", "eyJ", "-----BEGIN", "AccountKey=", "SharedAccess", "sig=", "://",
            "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ABIA", "ACCA",
            "password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key", "accesskey", "access_key",
            "privatekey", "private_key", "passphrase",
        ],
        StringComparison.OrdinalIgnoreCase);

    private readonly Detector[] _detectors;

    public TextScanner(Detector[] detectors) => _detectors = detectors;

    /// <summary>Returns the findings to apply: non-overlapping, higher priority first, then in text order.</summary>
    public List<Finding>? Find(string text)
    {
        var found = new List<Finding>();
        return Find(text, found) ? found : null;
    }

    /// <summary>
    /// Fills <paramref name="found"/> (cleared first) with the findings to apply, in text order; false when there are none.
    /// Reusing one list across strings keeps clean strings allocation-free.
    /// </summary>
    public bool Find(string text, List<Finding> found)
    {
        found.Clear();
        if (text.Length < 5)
        {
            return false;
        }

        var profile = new TextProfile(text);
        bool keywords = text.AsSpan().IndexOfAny(Triggers) >= 0;
        foreach (Detector detector in _detectors)
        {
            if ((keywords || !detector.NeedsKeyword) && detector.MightMatch(profile))
            {
                detector.Scan(text, found);
            }
        }

        if (found.Count <= 1)
        {
            return found.Count == 1;
        }

        // Keep the highest-priority finding of every overlapping group; longer wins between equals.
        found.Sort(static (a, b) => a.Priority != b.Priority ? a.Priority.CompareTo(b.Priority) : b.Length.CompareTo(a.Length));
        int kept = 0;
        for (int i = 0; i < found.Count; i++)
        {
            Finding candidate = found[i];
            bool overlaps = false;
            for (int k = 0; k < kept && !overlaps; k++)
            {
                overlaps = candidate.Start < found[k].End && found[k].Start < candidate.End;
            }

            if (!overlaps)
            {
                found[kept++] = candidate;
            }
        }

        found.RemoveRange(kept, found.Count - kept);
        found.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        return true;
    }

    public static string Apply(string text, List<Finding> findings)
    {
        var sb = new StringBuilder(text.Length);
        int position = 0;
        foreach (Finding finding in findings)
        {
            sb.Append(text, position, finding.Start - position).Append(finding.Replacement);
            position = finding.End;
        }

        return sb.Append(text, position, text.Length - position).ToString();
    }
}
