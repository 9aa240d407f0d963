using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ApprovalFunctions.Core.Json;

/// <summary>
/// RFC 8785 JSON Canonicalization Scheme (JCS): properties sorted by UTF-16 code units, no white space,
/// strings escaped as ECMAScript <c>JSON.stringify</c> does, numbers in ECMAScript <c>Number.prototype.toString</c> form.
/// The canonical bytes are what digests and hash chains are computed over.
/// </summary>
public static class JsonCanonicalizer
{
    private static readonly byte[] HexDigits = "0123456789abcdef"u8.ToArray();

    /// <summary>Returns the canonical UTF-8 bytes of <paramref name="element"/>.</summary>
    /// <exception cref="JsonCanonicalizationException">The value cannot be canonicalized (duplicate property, unpaired surrogate, non-finite number).</exception>
    public static byte[] Canonicalize(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(element, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Returns the canonical form of <paramref name="element"/> as a string.</summary>
    public static string CanonicalizeToString(JsonElement element) => Encoding.UTF8.GetString(Canonicalize(element));

    /// <summary>Returns <c>sha256:</c> followed by the lowercase hex SHA-256 of the canonical form.</summary>
    public static string Sha256Digest(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(element, buffer);
        return FormatSha256(buffer.WrittenSpan);
    }

    /// <summary>Formats the SHA-256 of <paramref name="bytes"/> as <c>sha256:&lt;hex&gt;</c>.</summary>
    public static string FormatSha256(ReadOnlySpan<byte> bytes)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return "sha256:" + Convert.ToHexStringLower(hash);
    }

    /// <summary>Writes the canonical UTF-8 form of <paramref name="element"/> to <paramref name="output"/>.</summary>
    public static void Write(JsonElement element, IBufferWriter<byte> output)
    {
        Check.NotNull(output);
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(element, output);
                break;
            case JsonValueKind.Array:
                output.Write("["u8);
                bool first = true;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (!first)
                    {
                        output.Write(","u8);
                    }

                    first = false;
                    Write(item, output);
                }

                output.Write("]"u8);
                break;
            case JsonValueKind.String:
                WriteString(GetString(element), output);
                break;
            case JsonValueKind.Number:
                if (!element.TryGetDouble(out double number) || !double.IsFinite(number))
                {
                    throw new JsonCanonicalizationException("a number is outside the range of IEEE 754 double precision");
                }

                WriteAscii(FormatNumber(number), output);
                break;
            case JsonValueKind.True:
                output.Write("true"u8);
                break;
            case JsonValueKind.False:
                output.Write("false"u8);
                break;
            case JsonValueKind.Null:
                output.Write("null"u8);
                break;
            default:
                throw new JsonCanonicalizationException($"a JSON value of kind {element.ValueKind} cannot be canonicalized");
        }
    }

    private static void WriteObject(JsonElement element, IBufferWriter<byte> output)
    {
        // Collect then sort by UTF-16 code units (ordinal), as RFC 8785 section 3.2.3 requires.
        var properties = new List<KeyValuePair<string, JsonElement>>();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            properties.Add(new(GetName(property), property.Value));
        }

        properties.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        output.Write("{"u8);
        for (int i = 0; i < properties.Count; i++)
        {
            if (i > 0)
            {
                if (string.Equals(properties[i - 1].Key, properties[i].Key, StringComparison.Ordinal))
                {
                    throw new JsonCanonicalizationException("an object has a duplicate property name");
                }

                output.Write(","u8);
            }

            WriteString(properties[i].Key, output);
            output.Write(":"u8);
            Write(properties[i].Value, output);
        }

        output.Write("}"u8);
    }

    private static string GetName(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            throw new JsonCanonicalizationException("a property name contains an unpaired surrogate");
        }
    }

    private static string GetString(JsonElement element)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new JsonCanonicalizationException("a string contains an unpaired surrogate");
        }
    }

    /// <summary>Writes <paramref name="value"/> as a JSON string with JCS escaping.</summary>
    internal static void WriteString(string value, IBufferWriter<byte> output)
    {
        output.Write("\""u8);
        int runStart = 0;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    i++;
                    continue;
                }

                throw new JsonCanonicalizationException("a string contains an unpaired surrogate");
            }

            if (c >= 0x20 && c != '"' && c != '\\')
            {
                continue;
            }

            WriteUtf8(value.AsSpan(runStart, i - runStart), output);
            runStart = i + 1;
            switch (c)
            {
                case '"': output.Write("\\\""u8); break;
                case '\\': output.Write("\\\\"u8); break;
                case '\b': output.Write("\\b"u8); break;
                case '\f': output.Write("\\f"u8); break;
                case '\n': output.Write("\\n"u8); break;
                case '\r': output.Write("\\r"u8); break;
                case '\t': output.Write("\\t"u8); break;
                default:
                    Span<byte> escape = output.GetSpan(6);
                    "\\u00"u8.CopyTo(escape);
                    escape[4] = HexDigits[c >> 4];
                    escape[5] = HexDigits[c & 0xF];
                    output.Advance(6);
                    break;
            }
        }

        WriteUtf8(value.AsSpan(runStart), output);
        output.Write("\""u8);
    }

    private static void WriteUtf8(ReadOnlySpan<char> chars, IBufferWriter<byte> output)
    {
        if (chars.IsEmpty)
        {
            return;
        }

        Span<byte> span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
        output.Advance(Encoding.UTF8.GetBytes(chars, span));
    }

    private static void WriteAscii(string value, IBufferWriter<byte> output)
    {
        Span<byte> span = output.GetSpan(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            span[i] = (byte)value[i];
        }

        output.Advance(value.Length);
    }

    /// <summary>
    /// Formats a finite double the way ECMAScript's <c>Number.prototype.toString</c> does (ECMA-262 7.1.12.1),
    /// which RFC 8785 section 3.2.2.3 adopts.
    /// </summary>
    public static string FormatNumber(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new JsonCanonicalizationException("NaN and Infinity have no JSON form");
        }

        if (value == 0)
        {
            return "0"; // covers -0 as well
        }

        // .NET's "R" is the shortest string that round-trips: the digits s and exponent n of the ECMAScript algorithm.
        string shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        int e = shortest.IndexOfAny(['E', 'e']);
        string mantissa = e < 0 ? shortest : shortest[..e];
        int exponent = e < 0 ? 0 : int.Parse(shortest.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        int point = mantissa.IndexOf('.', StringComparison.Ordinal);
        string digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        int n = (point < 0 ? mantissa.Length : point) + exponent; // value = 0.digits × 10^n
        int leading = 0;
        while (leading < digits.Length - 1 && digits[leading] == '0')
        {
            leading++;
        }

        digits = digits[leading..].TrimEnd('0');
        n -= leading;
        int k = digits.Length;

        var sb = new StringBuilder(32);
        if (value < 0)
        {
            sb.Append('-');
        }

        if (k <= n && n <= 21)
        {
            sb.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            sb.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            sb.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            int e10 = n - 1;
            sb.Append(digits[0]);
            if (k > 1)
            {
                sb.Append('.').Append(digits, 1, k - 1);
            }

            sb.Append('e').Append(e10 >= 0 ? '+' : '-').Append(Math.Abs(e10).ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }
}

/// <summary>A JSON value that has no RFC 8785 canonical form.</summary>
public sealed class JsonCanonicalizationException : Exception
{
    /// <summary>Creates the exception with a message naming what is wrong.</summary>
    public JsonCanonicalizationException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public JsonCanonicalizationException() : base("The JSON value has no canonical form.")
    {
    }

    /// <summary>Creates the exception with an inner exception.</summary>
    public JsonCanonicalizationException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
