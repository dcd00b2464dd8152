using System.Globalization;

namespace ReleaseGuardian.Demo.LoadGeneration;

/// <summary>
/// The W3C <c>Server-Timing</c> header (https://www.w3.org/TR/server-timing/) with one metric, <c>checkout;dur=</c>:
/// how long the checkout service itself spent on a request, in ms. The load generator reads it so the latency the
/// guardian judges is the service's, not the time a request waited for a CPU on a shared machine.
/// </summary>
public static class ServerTiming
{
    /// <summary>The header's name.</summary>
    public const string HeaderName = "Server-Timing";

    /// <summary>The metric's name.</summary>
    public const string Metric = "checkout";

    /// <summary>The header value for a handling time.</summary>
    public static string Format(double durationMs) =>
        string.Create(CultureInfo.InvariantCulture, $"{Metric};dur={durationMs:0.###}");

    /// <summary>
    /// The <c>checkout</c> metric's duration in ms from the header's values, or null when none carries it (a
    /// response from another server, a proxy's error page, a malformed value).
    /// </summary>
    public static double? Parse(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var metric in values.SelectMany(v => v.Split(',')))
        {
            var parts = metric.Split(';', StringSplitOptions.TrimEntries);
            if (!string.Equals(parts[0], Metric, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var parameter in parts.Skip(1))
            {
                if (parameter.StartsWith("dur=", StringComparison.OrdinalIgnoreCase)
                    && double.TryParse(parameter.AsSpan(4), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms)
                    && double.IsFinite(ms) && ms >= 0)
                {
                    return ms;
                }
            }
        }

        return null;
    }
}
