using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ApprovalFunctions.Core;

/// <summary>
/// ISO 8601 durations limited to exact units: <c>PnW</c>, <c>PnD</c>, <c>PTnH</c>, <c>PTnM</c>, <c>PTn.nS</c> and combinations.
/// Years and months are refused because their length depends on the calendar.
/// </summary>
public static class IsoDuration
{
    /// <summary>Parses <paramref name="text"/>; returns false for anything that is not an exact ISO 8601 duration.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text) || text.Length < 3 || text[0] != 'P')
        {
            return false;
        }

        bool inTime = false;
        bool any = false;
        long ticks = 0;
        int i = 1;
        string order = "WD";
        int lastUnit = -1;
        while (i < text.Length)
        {
            if (text[i] == 'T')
            {
                if (inTime)
                {
                    return false;
                }

                inTime = true;
                order = "HMS";
                lastUnit = -1;
                i++;
                if (i == text.Length)
                {
                    return false;
                }

                continue;
            }

            int start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (i == start || i == text.Length)
            {
                return false;
            }

            if (!decimal.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal amount))
            {
                return false;
            }

            int unit = order.IndexOf(text[i], StringComparison.Ordinal);
            if (unit <= lastUnit || (amount != decimal.Truncate(amount) && text[i] != 'S'))
            {
                return false;
            }

            lastUnit = unit;
            decimal unitTicks = text[i] switch
            {
                'W' => TimeSpan.TicksPerDay * 7m,
                'D' => TimeSpan.TicksPerDay,
                'H' => TimeSpan.TicksPerHour,
                'M' => TimeSpan.TicksPerMinute,
                _ => TimeSpan.TicksPerSecond,
            };
            decimal add = amount * unitTicks;
            if (add > TimeSpan.MaxValue.Ticks - ticks)
            {
                return false;
            }

            ticks += (long)add;
            any = true;
            i++;
        }

        value = TimeSpan.FromTicks(ticks);
        return any;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>.</summary>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out TimeSpan value) ? value : throw new FormatException($"{LogText.Quote(text)} is not an ISO 8601 duration such as PT4H or P1D.");

    /// <summary>Formats as the shortest ISO 8601 form, such as <c>PT1H30M</c>, <c>P2D</c> or <c>PT0S</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Durations are not negative.");
        }

        if (value == TimeSpan.Zero)
        {
            return "PT0S";
        }

        var sb = new StringBuilder("P");
        if (value.Days > 0)
        {
            sb.Append(value.Days.ToString(CultureInfo.InvariantCulture)).Append('D');
        }

        long subDayTicks = value.Ticks % TimeSpan.TicksPerDay;
        if (subDayTicks > 0)
        {
            sb.Append('T');
            if (value.Hours > 0)
            {
                sb.Append(value.Hours.ToString(CultureInfo.InvariantCulture)).Append('H');
            }

            if (value.Minutes > 0)
            {
                sb.Append(value.Minutes.ToString(CultureInfo.InvariantCulture)).Append('M');
            }

            long secondTicks = subDayTicks % TimeSpan.TicksPerMinute;
            if (secondTicks > 0)
            {
                decimal seconds = secondTicks / (decimal)TimeSpan.TicksPerSecond;
                sb.Append(seconds.ToString("0.#######", CultureInfo.InvariantCulture)).Append('S');
            }
        }

        return sb.ToString();
    }
}

/// <summary>Reads and writes <see cref="TimeSpan"/> as an ISO 8601 duration string.</summary>
public sealed class IsoDurationJsonConverter : JsonConverter<TimeSpan>
{
    /// <inheritdoc />
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && IsoDuration.TryParse(reader.GetString(), out TimeSpan value)
            ? value
            : throw new JsonException("Expected an ISO 8601 duration such as PT4H.");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options)
    {
        Check.NotNull(writer);
        writer.WriteStringValue(IsoDuration.Format(value));
    }
}
