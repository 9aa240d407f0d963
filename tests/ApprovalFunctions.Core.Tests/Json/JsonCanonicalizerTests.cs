using System.Text;
using System.Text.Json;
using ApprovalFunctions.Core.Json;

namespace ApprovalFunctions.Core.Tests.Json;

public class JsonCanonicalizerTests
{
    private static string Canonical(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return JsonCanonicalizer.CanonicalizeToString(document.RootElement);
    }

    [Fact]
    public void Canonicalize_Rfc8785Section322Example_MatchesPublishedOutput()
    {
        const string input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;
        const string expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";

        Assert.Equal(expected, Canonical(input));
    }

    [Fact]
    public void Canonicalize_Rfc8785Section323Example_SortsByUtf16CodeUnits()
    {
        const string input = """
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """;

        using JsonDocument document = JsonDocument.Parse(Canonical(input));
        string[] values = document.RootElement.EnumerateObject().Select(p => p.Value.GetString()!).ToArray();

        Assert.Equal(
            ["Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis", "Euro Sign", "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh"],
            values);
    }

    [Fact]
    public void Canonicalize_NonAsciiAboveControlRange_IsWrittenAsUtf8NotEscaped()
    {
        byte[] bytes;
        using (JsonDocument document = JsonDocument.Parse("{\"k\":\"\\u0080\\u00f6\\u20ac\"}"))
        {
            bytes = JsonCanonicalizer.Canonicalize(document.RootElement);
        }

        Assert.Equal("7b226b223a22c280c3b6e282ac227d", Convert.ToHexStringLower(bytes));
    }

    // RFC 8785 Appendix B: IEEE 754 bit patterns and their required serialization.
    [Theory]
    [InlineData(0x0000000000000000UL, "0")]
    [InlineData(0x8000000000000000UL, "0")]
    [InlineData(0x0000000000000001UL, "5e-324")]
    [InlineData(0x8000000000000001UL, "-5e-324")]
    [InlineData(0x7fefffffffffffffUL, "1.7976931348623157e+308")]
    [InlineData(0xffefffffffffffffUL, "-1.7976931348623157e+308")]
    [InlineData(0x4340000000000000UL, "9007199254740992")]
    [InlineData(0xc340000000000000UL, "-9007199254740992")]
    [InlineData(0x4430000000000000UL, "295147905179352830000")]
    [InlineData(0x44b52d02c7e14af5UL, "9.999999999999997e+22")]
    [InlineData(0x44b52d02c7e14af6UL, "1e+23")]
    [InlineData(0x44b52d02c7e14af7UL, "1.0000000000000001e+23")]
    [InlineData(0x444b1ae4d6e2ef4eUL, "999999999999999700000")]
    [InlineData(0x444b1ae4d6e2ef4fUL, "999999999999999900000")]
    [InlineData(0x444b1ae4d6e2ef50UL, "1e+21")]
    [InlineData(0x3eb0c6f7a0b5ed8cUL, "9.999999999999997e-7")]
    [InlineData(0x3eb0c6f7a0b5ed8dUL, "0.000001")]
    [InlineData(0x41b3de4355555553UL, "333333333.3333332")]
    [InlineData(0x41b3de4355555554UL, "333333333.33333325")]
    [InlineData(0x41b3de4355555555UL, "333333333.3333333")]
    [InlineData(0x41b3de4355555556UL, "333333333.3333334")]
    [InlineData(0x41b3de4355555557UL, "333333333.33333343")]
    [InlineData(0xbecbf647612f3696UL, "-0.0000033333333333333333")]
    [InlineData(0x43143ff3c1cb0959UL, "1424953923781206.2")]
    public void FormatNumber_Rfc8785AppendixB_MatchesPublishedSerialization(ulong bits, string expected)
    {
        double value = BitConverter.UInt64BitsToDouble(bits);

        Assert.Equal(expected, JsonCanonicalizer.FormatNumber(value));
        Assert.Equal($"{{\"n\":{expected}}}", Canonical($"{{\"n\":{value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}}}"));
    }

    [Theory]
    [InlineData(0x7fffffffffffffffUL)]
    [InlineData(0x7ff0000000000000UL)]
    [InlineData(0xfff0000000000000UL)]
    public void FormatNumber_NaNOrInfinity_Throws(ulong bits) =>
        Assert.Throws<JsonCanonicalizationException>(() => JsonCanonicalizer.FormatNumber(BitConverter.UInt64BitsToDouble(bits)));

    [Theory]
    [InlineData("1.0", "1")]
    [InlineData("-0.0", "0")]
    [InlineData("100", "100")]
    [InlineData("1e2", "100")]
    [InlineData("0.1", "0.1")]
    [InlineData("1e-7", "1e-7")]
    [InlineData("123e-8", "0.00000123")]
    [InlineData("1e21", "1e+21")]
    [InlineData("12e20", "1.2e+21")]
    [InlineData("120000", "120000")]
    public void Canonicalize_EquivalentNumberSpellings_ShareOneForm(string input, string expected) =>
        Assert.Equal(expected, Canonical(input));

    [Fact]
    public void Canonicalize_DuplicatePropertyNames_Throws()
    {
        using JsonDocument document = JsonDocument.Parse("{\"a\":1,\"a\":2}");

        var ex = Assert.Throws<JsonCanonicalizationException>(() => JsonCanonicalizer.Canonicalize(document.RootElement));
        Assert.Contains("duplicate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Canonicalize_UnpairedSurrogateEscape_Throws()
    {
        using JsonDocument document = JsonDocument.Parse("{\"a\":\"\\ud800x\"}");

        Assert.Throws<JsonCanonicalizationException>(() => JsonCanonicalizer.Canonicalize(document.RootElement));
    }

    [Fact]
    public void Sha256Digest_WhitespaceAndPropertyOrder_DoNotChangeTheDigest()
    {
        using JsonDocument a = JsonDocument.Parse("{ \"b\": [1, 2.0, {\"y\": true, \"x\": null}], \"a\": \"é\" }");
        using JsonDocument b = JsonDocument.Parse("{\"a\":\"\\u00e9\",\"b\":[1,2,{\"x\":null,\"y\":true}]}");

        string digest = JsonCanonicalizer.Sha256Digest(a.RootElement);

        Assert.Equal(digest, JsonCanonicalizer.Sha256Digest(b.RootElement));
        Assert.Equal(JsonCanonicalizer.FormatSha256(Encoding.UTF8.GetBytes("{\"a\":\"é\",\"b\":[1,2,{\"x\":null,\"y\":true}]}")), digest);
        Assert.Matches("^sha256:[0-9a-f]{64}$", digest);
    }
}
