using System.Text.Json;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

/// <summary>
/// k6 end-of-test summaries, in both shapes, told apart per metric:
/// <list type="bullet">
/// <item><c>handleSummary(data)</c> JSON: <c>metrics.http_req_duration.values["p(95)"]</c>, <c>http_req_failed.values.rate</c>,
/// <c>http_reqs.values.count</c>, and <c>state.testRunDurationMs</c>.</item>
/// <item>legacy <c>--summary-export</c>: the same metrics flat (<c>metrics.http_req_duration["p(95)"]</c>,
/// <c>http_req_failed.value</c>, <c>http_reqs.count</c>) and no duration.</item>
/// </list>
/// <c>http_req_failed</c> is a Rate whose "true" samples are failed requests, so k6's <c>passes</c> is the
/// failure count and <c>fails</c> the success count.
/// </summary>
public sealed class K6SummaryParser : LoadTestResultParser
{
    /// <summary>The route name.</summary>
    public const string ToolName = "k6";

    /// <inheritdoc />
    public override string Tool => ToolName;

    private protected override ToolReading Read(JsonElement root)
    {
        JsonRead.RequireRootObject(root, "a k6 handleSummary() or --summary-export summary");
        var metrics = JsonRead.RequireObject(root, "metrics", string.Empty, "a k6 summary carries its results under 'metrics'");
        var signals = new SignalSet();

        var hasDuration = MetricValues(metrics, "http_req_duration", out var duration, out var durationPath, out _);
        var hasRequests = MetricValues(metrics, "http_reqs", out var requests, out var requestsPath, out _);
        var hasFailed = MetricValues(metrics, "http_req_failed", out var failed, out var failedPath, out var failedNested);
        if (!hasDuration && !hasRequests && !hasFailed)
        {
            throw IngestRejection.Malformed("metrics.http_reqs", "is missing; the summary has no HTTP metrics (http_reqs, http_req_duration, http_req_failed)");
        }

        if (hasDuration)
        {
            var p50 = JsonRead.Number(duration, "med", durationPath, NumberRange.NonNegative);
            signals.Set(SignalNames.LatencyP50, p50, JsonPath.Property(durationPath, "med"));
            if (p50 is null)
            {
                signals.Set(SignalNames.LatencyP50, JsonRead.Number(duration, "p(50)", durationPath, NumberRange.NonNegative), JsonPath.Property(durationPath, "p(50)"));
            }

            signals.Set(SignalNames.LatencyP90, JsonRead.Number(duration, "p(90)", durationPath, NumberRange.NonNegative), JsonPath.Property(durationPath, "p(90)"));
            signals.Set(SignalNames.LatencyP95, JsonRead.Number(duration, "p(95)", durationPath, NumberRange.NonNegative), JsonPath.Property(durationPath, "p(95)"));
            signals.Set(SignalNames.LatencyP99, JsonRead.Number(duration, "p(99)", durationPath, NumberRange.NonNegative), JsonPath.Property(durationPath, "p(99)"));
            signals.Set(SignalNames.LatencyAvg, JsonRead.Number(duration, "avg", durationPath, NumberRange.NonNegative), JsonPath.Property(durationPath, "avg"));
        }

        double? failures = null;
        double? successes = null;
        if (hasFailed)
        {
            var rateName = failedNested ? "rate" : "value";
            signals.Set(SignalNames.ErrorsRate, JsonRead.Number(failed, rateName, failedPath, NumberRange.Fraction), JsonPath.Property(failedPath, rateName));
            failures = JsonRead.Number(failed, "passes", failedPath, NumberRange.NonNegative);
            successes = JsonRead.Number(failed, "fails", failedPath, NumberRange.NonNegative);
            signals.Set(SignalNames.ErrorsCount, failures, JsonPath.Property(failedPath, "passes"));
        }

        if (hasRequests)
        {
            signals.Set(SignalNames.TrafficRequests, JsonRead.Number(requests, "count", requestsPath, NumberRange.NonNegative), JsonPath.Property(requestsPath, "count"));
            signals.Set(SignalNames.TrafficRps, JsonRead.Number(requests, "rate", requestsPath, NumberRange.NonNegative), JsonPath.Property(requestsPath, "rate"));
        }

        if (signals.Get(SignalNames.TrafficRequests) is null && failures is { } f && successes is { } s)
        {
            signals.Set(SignalNames.TrafficRequests, f + s, JsonPath.Property(failedPath, "fails"));
        }

        signals.DeriveErrorRate();

        TimeSpan? testDuration = null;
        if (JsonRead.TryGetObject(root, "state", string.Empty, out var state)
            && JsonRead.Number(state, "testRunDurationMs", "state", NumberRange.NonNegative) is { } ms)
        {
            if (ms > TimeSpan.MaxValue.TotalMilliseconds / 2)
            {
                throw IngestRejection.Malformed("state.testRunDurationMs", "is not a plausible duration");
            }

            testDuration = TimeSpan.FromMilliseconds(ms);
        }

        signals.DeriveRps(testDuration);
        return new ToolReading(signals, Duration: testDuration);
    }

    /// <summary>The metric's value container: <c>values</c> in handleSummary data, the metric itself in --summary-export.</summary>
    private static bool MetricValues(JsonElement metrics, string name, out JsonElement values, out string path, out bool nested)
    {
        var metricPath = JsonPath.Property("metrics", name);
        nested = false;
        path = metricPath;
        if (!JsonRead.TryGetObject(metrics, name, "metrics", out var metric))
        {
            values = default;
            return false;
        }

        if (JsonRead.TryGetObject(metric, "values", metricPath, out var inner))
        {
            nested = true;
            path = JsonPath.Property(metricPath, "values");
            values = inner;
            return true;
        }

        values = metric;
        return true;
    }
}
