using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

/// <summary>
/// The signals read from one result document. Every value is checked against its signal's range as it
/// goes in (latencies, counts and rates per second not negative, <c>errors.rate</c> within 0..1), so a
/// bad number is reported with the JSON path it came from.
/// </summary>
internal sealed class SignalSet
{
    private readonly Dictionary<string, double> values = new(StringComparer.Ordinal);

    public int Count => values.Count;

    public static NumberRange RangeOf(string signal) => signal switch
    {
        SignalNames.ErrorsRate => NumberRange.Fraction,
        _ when SignalNames.IsGolden(signal) => NumberRange.NonNegative,
        _ => NumberRange.Finite,
    };

    /// <summary>Sets <paramref name="signal"/> when <paramref name="value"/> is given; <paramref name="path"/> names its source.</summary>
    public void Set(string signal, double? value, string path)
    {
        if (value is { } number)
        {
            JsonRead.Check(number, path, RangeOf(signal));
            values[signal] = number;
        }
    }

    public double? Get(string signal) => values.TryGetValue(signal, out var value) ? value : null;

    /// <summary>
    /// Fills <c>errors.rate</c> from the counts where the tool gives none. A tool that counts failures apart
    /// from requests (Artillery's <c>errors.*</c>) can report more failures than requests; the rate stops at 1.
    /// With no requests there is no rate.
    /// </summary>
    public void DeriveErrorRate()
    {
        if (!values.ContainsKey(SignalNames.ErrorsRate)
            && Get(SignalNames.ErrorsCount) is { } errors
            && Get(SignalNames.TrafficRequests) is { } requests and > 0)
        {
            values[SignalNames.ErrorsRate] = Math.Min(1.0, errors / requests);
        }
    }

    /// <summary>Fills <c>traffic.rps</c> from the request count and the test's duration where the tool gives no rate.</summary>
    public void DeriveRps(TimeSpan? duration)
    {
        if (!values.ContainsKey(SignalNames.TrafficRps)
            && Get(SignalNames.TrafficRequests) is { } requests
            && duration is { TotalSeconds: > 0 } span)
        {
            values[SignalNames.TrafficRps] = requests / span.TotalSeconds;
        }
    }

    public IReadOnlyDictionary<string, double>? ToSignals() => values.Count == 0 ? null : new Dictionary<string, double>(values, StringComparer.Ordinal);
}

/// <summary>What a tool's document says about one run, before the guardian, purpose and window are resolved.</summary>
/// <param name="Signals">The signals read.</param>
/// <param name="TestId">The tool's id of the run, where the document has one.</param>
/// <param name="Start">Start of the run, where the document has it.</param>
/// <param name="End">End of the run, where the document has it.</param>
/// <param name="Duration">How long the run took, where the document says; a missing start is end minus this.</param>
internal sealed record ToolReading(
    SignalSet Signals,
    string? TestId = null,
    DateTimeOffset? Start = null,
    DateTimeOffset? End = null,
    TimeSpan? Duration = null);
