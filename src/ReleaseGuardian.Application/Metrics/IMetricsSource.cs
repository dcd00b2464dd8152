namespace ReleaseGuardian.Application.Metrics;

/// <summary>
/// Measures a guardian's signals over a run's window from one kind of source (the load test's own summary,
/// Prometheus, Azure Monitor). A source never throws for a signal it cannot measure: it reports a failure
/// with a reason, so that the objective becomes <c>error</c> instead of silently passing.
/// </summary>
public interface IMetricsSource
{
    /// <summary>The <c>metrics.source</c> value this source answers: loadtest, prometheus or azuremonitor.</summary>
    string Kind { get; }

    /// <summary>
    /// Measures every requested signal. Each signal ends up in exactly one of <see cref="SignalMeasurement.Values"/>
    /// and <see cref="SignalMeasurement.Failures"/>. Throws <see cref="OperationCanceledException"/> only when
    /// <paramref name="ct"/> itself is cancelled; a query's own timeout is a failure.
    /// </summary>
    Task<SignalMeasurement> MeasureAsync(MetricsRequest request, CancellationToken ct);
}
