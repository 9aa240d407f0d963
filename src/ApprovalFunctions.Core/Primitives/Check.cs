using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace ApprovalFunctions.Core;

/// <summary>Argument guards. The failing argument's expression becomes the parameter name.</summary>
public static class Check
{
    /// <summary>Throws <see cref="ArgumentNullException"/> when <paramref name="value"/> is null.</summary>
    public static T NotNull<T>([NotNull] T? value, [CallerArgumentExpression(nameof(value))] string? name = null)
        where T : class
        => value ?? throw new ArgumentNullException(name);

    /// <summary>Throws when <paramref name="value"/> is null, empty or white space.</summary>
    public static string NotNullOrWhiteSpace([NotNull] string? value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        return string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("Value must not be empty.", name) : value;
    }

    /// <summary>Throws when <paramref name="value"/> is not greater than zero.</summary>
    public static int Positive(int value, [CallerArgumentExpression(nameof(value))] string? name = null)
        => value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, "Value must be greater than zero.");

    /// <summary>Throws when <paramref name="value"/> is negative.</summary>
    public static TimeSpan NotNegative(TimeSpan value, [CallerArgumentExpression(nameof(value))] string? name = null)
        => value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(name, value, "Value must not be negative.");

    /// <summary>Throws when <paramref name="value"/> is not a UTC time.</summary>
    public static DateTimeOffset Utc(DateTimeOffset value, [CallerArgumentExpression(nameof(value))] string? name = null)
        => value.Offset == TimeSpan.Zero ? value : throw new ArgumentException("Time must be UTC (offset zero).", name);

    /// <summary>Throws <see cref="InvalidOperationException"/> with <paramref name="message"/> when <paramref name="condition"/> is false.</summary>
    public static void State([DoesNotReturnIf(false)] bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
