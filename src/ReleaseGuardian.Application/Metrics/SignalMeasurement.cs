namespace ReleaseGuardian.Application.Metrics;

/// <summary>
/// What a metrics source measured: per signal either a value or the reason it has none, plus the queries
/// that were run (kept as evidence with the run).
/// </summary>
/// <param name="Values">Measured values by signal name; always finite numbers.</param>
/// <param name="Failures">Why a signal has no value, by signal name (e.g. "timed out after 2s", "no data").</param>
/// <param name="Queries">The query text actually run for each signal (after placeholders were filled in); empty for the loadtest source.</param>
public sealed record SignalMeasurement(
    IReadOnlyDictionary<string, double> Values,
    IReadOnlyDictionary<string, string> Failures,
    IReadOnlyDictionary<string, string> Queries)
{
    /// <summary>Every requested signal failed for the same reason (e.g. the source is misconfigured).</summary>
    public static SignalMeasurement AllFailed(IEnumerable<SignalRequest> signals, string reason) =>
        new(
            new Dictionary<string, double>(StringComparer.Ordinal),
            signals.Select(s => s.Signal).Distinct(StringComparer.Ordinal).ToDictionary(s => s, _ => reason, StringComparer.Ordinal),
            new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary>The value of <paramref name="signal"/>, or null when it failed or was not requested.</summary>
    public double? ValueOf(string signal) => Values.TryGetValue(signal, out var value) ? value : null;
}
