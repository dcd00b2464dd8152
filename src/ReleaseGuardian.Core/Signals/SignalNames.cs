namespace ReleaseGuardian.Core.Signals;

/// <summary>
/// The golden signals every run measures over its window. A custom signal (a business KPI) is any other
/// name that the guardian's metrics source can answer.
/// </summary>
public static class SignalNames
{
    /// <summary>Median latency in milliseconds.</summary>
    public const string LatencyP50 = "latency.p50";

    /// <summary>90th percentile latency in milliseconds.</summary>
    public const string LatencyP90 = "latency.p90";

    /// <summary>95th percentile latency in milliseconds.</summary>
    public const string LatencyP95 = "latency.p95";

    /// <summary>99th percentile latency in milliseconds.</summary>
    public const string LatencyP99 = "latency.p99";

    /// <summary>Mean latency in milliseconds.</summary>
    public const string LatencyAvg = "latency.avg";

    /// <summary>Failed requests as a fraction 0..1.</summary>
    public const string ErrorsRate = "errors.rate";

    /// <summary>Number of failed requests.</summary>
    public const string ErrorsCount = "errors.count";

    /// <summary>Number of requests in the window.</summary>
    public const string TrafficRequests = "traffic.requests";

    /// <summary>Requests per second over the window.</summary>
    public const string TrafficRps = "traffic.rps";

    /// <summary>Number of samples (data points) the signals were computed from.</summary>
    public const string SampleCount = "sample.count";

    /// <summary>Every golden signal name.</summary>
    public static IReadOnlyList<string> Golden { get; } =
    [
        LatencyP50, LatencyP90, LatencyP95, LatencyP99, LatencyAvg,
        ErrorsRate, ErrorsCount, TrafficRequests, TrafficRps, SampleCount,
    ];

    /// <summary>True for one of the golden signal names.</summary>
    public static bool IsGolden(string name) => Golden.Contains(name, StringComparer.Ordinal);
}
