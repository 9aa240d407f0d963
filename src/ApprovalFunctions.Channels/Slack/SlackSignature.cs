using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ApprovalFunctions.Channels.Slack;

/// <summary>Why a Slack request's signature was refused.</summary>
public enum SlackSignatureFailure
{
    /// <summary>No signature or timestamp header.</summary>
    Missing,

    /// <summary>The timestamp is more than the allowed age away from now (or not a number).</summary>
    Stale,

    /// <summary>The signature is not the signing secret's HMAC of this request.</summary>
    Mismatch,
}

/// <summary>
/// Slack's request signing: <c>v0=</c> + hex HMAC-SHA256, keyed with the app's signing secret, of
/// <c>v0:{X-Slack-Request-Timestamp}:{raw body}</c>, compared in constant time; the timestamp must be recent.
/// </summary>
public static class SlackSignature
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Slack-Signature";

    /// <summary>The timestamp header (Unix seconds).</summary>
    public const string TimestampHeader = "X-Slack-Request-Timestamp";

    /// <summary>The signature of <paramref name="body"/> at <paramref name="timestamp"/> (what Slack sends).</summary>
    public static string Sign(string signingSecret, string timestamp, ReadOnlySpan<byte> body)
    {
        byte[] prefix = Encoding.UTF8.GetBytes("v0:" + timestamp + ":");
        byte[] message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingSecret), message));
    }

    /// <summary>Null when the request is Slack's and recent; otherwise why not.</summary>
    public static SlackSignatureFailure? Verify(string signingSecret, string? timestamp, string? signature, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan maxAge)
    {
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
        {
            return SlackSignatureFailure.Missing;
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
            || Math.Abs(now.ToUnixTimeSeconds() - seconds) > maxAge.TotalSeconds)
        {
            return SlackSignatureFailure.Stale;
        }

        byte[] expected = Encoding.ASCII.GetBytes(Sign(signingSecret, timestamp, body));
        byte[] actual = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, actual) ? null : SlackSignatureFailure.Mismatch;
    }
}
