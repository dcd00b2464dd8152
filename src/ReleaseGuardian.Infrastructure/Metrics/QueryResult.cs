using System.Globalization;

namespace ReleaseGuardian.Infrastructure.Metrics;

/// <summary>One query's answer: a finite number, or the reason there is none.</summary>
public readonly record struct QueryResult(double? Value, string? Failure)
{
    /// <summary>A finite value.</summary>
    public static QueryResult Of(double value) =>
        double.IsFinite(value) ? new(value, null) : Fail($"value is {Describe(value)}");

    /// <summary>No value, for this reason.</summary>
    public static QueryResult Fail(string reason) => new(null, reason);

    /// <summary>True when there is a value.</summary>
    public bool HasValue => Value is not null;

    /// <summary>
    /// Parses a number sent as text. Prometheus encodes samples as strings ("0.12", "NaN", "+Inf"); anything
    /// that is not a finite number is a failure, never a value.
    /// </summary>
    public static QueryResult ParseNumber(string? text, string what)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Fail($"{what} is empty");
        }

        var trimmed = text.Trim();
        switch (trimmed)
        {
            case "NaN":
                return Fail($"{what} is NaN");
            case "+Inf" or "Inf" or "Infinity" or "+Infinity":
                return Fail($"{what} is +Inf");
            case "-Inf" or "-Infinity":
                return Fail($"{what} is -Inf");
        }

        if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return Fail($"{what} '{Truncate(trimmed, 40)}' is not a number");
        }

        return double.IsFinite(value) ? new(value, null) : Fail($"{what} is {Describe(value)}");
    }

    internal static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private static string Describe(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+Inf" : "-Inf";
}
