using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ReleaseGuardian.Core.Releases;

/// <summary>
/// ISO 8601 durations of fixed length (<c>PT10M</c>, <c>PT1H30M</c>, <c>P1D</c>, <c>P2W</c>, <c>PT0.5S</c>).
/// Hand-written rather than <c>XmlConvert.ToTimeSpan</c>: that one also takes years and months, whose length
/// depends on the calendar, and negative durations, neither of which a hold or a timeout can mean.
/// </summary>
public static partial class IsoDuration
{
    /// <summary>Reads a duration; false (with <paramref name="value"/> zero) when the text is not one.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (text is null || text.Length > 64)
        {
            return false;
        }

        var match = Pattern().Match(text);
        if (!match.Success || text == "P" || text.EndsWith('T'))
        {
            return false;
        }

        try
        {
            var total = Part(match, "w") * 7 * 86400m + Part(match, "d") * 86400m + Part(match, "h") * 3600m + Part(match, "m") * 60m + Part(match, "s");
            if (total > (decimal)TimeSpan.MaxValue.TotalSeconds / 2)
            {
                return false;
            }

            value = TimeSpan.FromTicks((long)decimal.Round(total * TimeSpan.TicksPerSecond));
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>Writes the shortest <c>P..DT..H..M..S</c> form; <see cref="TryParse"/> reads it back to the same value.</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "a duration is not negative");
        }

        var text = new StringBuilder("P");
        if (value.Days > 0)
        {
            text.Append(value.Days.ToString(CultureInfo.InvariantCulture)).Append('D');
        }

        var rest = value - TimeSpan.FromDays(value.Days);
        if (rest > TimeSpan.Zero || value == TimeSpan.Zero)
        {
            text.Append('T');
            if (rest.Hours > 0)
            {
                text.Append(rest.Hours.ToString(CultureInfo.InvariantCulture)).Append('H');
            }

            if (rest.Minutes > 0)
            {
                text.Append(rest.Minutes.ToString(CultureInfo.InvariantCulture)).Append('M');
            }

            var seconds = rest.Ticks % TimeSpan.TicksPerMinute;
            if (seconds > 0 || value == TimeSpan.Zero)
            {
                text.Append((seconds / (decimal)TimeSpan.TicksPerSecond).ToString("0.#######", CultureInfo.InvariantCulture)).Append('S');
            }
        }

        return text.ToString();
    }

    private static decimal Part(Match match, string name) =>
        match.Groups[name].Success ? decimal.Parse(match.Groups[name].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) : 0m;

    [GeneratedRegex(@"^P(?:(?<w>[0-9]{1,9})W|(?:(?<d>[0-9]{1,9})D)?(?:T(?:(?<h>[0-9]{1,9})H)?(?:(?<m>[0-9]{1,9})M)?(?:(?<s>[0-9]{1,9}(?:\.[0-9]{1,7})?)S)?)?)\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Pattern();
}
