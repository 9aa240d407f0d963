using System.Text;

namespace ApprovalFunctions.Core;

/// <summary>
/// Makes untrusted text safe to put in a log line, an error message or a file name:
/// control and non-ASCII characters are escaped and the length is bounded.
/// </summary>
public static class LogText
{
    /// <summary>Escapes everything outside printable ASCII as <c>\uXXXX</c> and truncates to <paramref name="maxLength"/> characters.</summary>
    public static string Sanitize(string? value, int maxLength = 128)
    {
        if (value is null)
        {
            return "(null)";
        }

        var sb = new StringBuilder(Math.Min(value.Length, maxLength) + 8);
        foreach (char c in value)
        {
            if (sb.Length >= maxLength)
            {
                sb.Append('…');
                break;
            }

            if (c is >= (char)0x20 and < (char)0x7F)
            {
                sb.Append(c);
            }
            else
            {
                sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    /// <summary>Escapes backslashes and quotes, sanitizes, and wraps in double quotes.</summary>
    public static string Quote(string? value, int maxLength = 64) =>
        value is null ? "(null)" : "\"" + Sanitize(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal), maxLength) + "\"";
}
