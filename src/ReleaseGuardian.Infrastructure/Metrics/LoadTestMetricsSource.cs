using ReleaseGuardian.Application.Metrics;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Metrics;

/// <summary>The <c>loadtest</c> source: the signals the load-test result itself carried. No I/O.</summary>
public sealed class LoadTestMetricsSource : IMetricsSource
{
    /// <inheritdoc />
    public string Kind => MetricsSources.LoadTest;

    /// <inheritdoc />
    public Task<SignalMeasurement> MeasureAsync(MetricsRequest request, CancellationToken ct)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var signal in request.Signals)
        {
            if (request.LoadTestSignals is null)
            {
                failures[signal.Signal] = "the run carries no load-test signals";
            }
            else if (!request.LoadTestSignals.TryGetValue(signal.Signal, out var value))
            {
                failures[signal.Signal] = $"the load-test result carries no {signal.Signal}";
            }
            else if (!double.IsFinite(value))
            {
                failures[signal.Signal] = $"the load-test result's {signal.Signal} is not a finite number";
            }
            else
            {
                values[signal.Signal] = value;
            }
        }

        return Task.FromResult(new SignalMeasurement(values, failures, new Dictionary<string, string>(StringComparer.Ordinal)));
    }
}
