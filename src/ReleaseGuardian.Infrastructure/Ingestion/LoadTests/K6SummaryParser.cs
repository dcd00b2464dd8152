using System.Text.Json;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

/// <summary>
/// k6 end-of-test summaries, in all three shapes k6 writes:
/// <list type="bullet">
/// <item><c>handleSummary(data)</c> JSON: <c>metrics.http_req_duration.values["p(95)"]</c>, <c>http_req_failed.values.rate</c>,
/// <c>http_reqs.values.count</c>, and <c>state.testRunDurationMs</c>.</item>
/// <item>legacy <c>--summary-export</c>: the same metrics flat (<c>metrics.http_req_duration["p(95)"]</c>,
/// <c>http_req_failed.value</c>, <c>http_reqs.count</c>) and no duration.</item>
/// <item>the machine-readable summary of k6 1.x (<c>--new-machine-readable-summary</c>, for both handleSummary data and
/// <c>--summary-export</c>): <c>{config: {duration (seconds)}, metadata, results: {metrics: [{name, type, contains,
/// values}]}, version}</c>, where trends carry <c>p(90)</c>/<c>p(95)</c> (or <c>p90</c>/<c>p95</c>), rates
/// <c>{matches, rate, total}</c> and counters only <c>count</c>, so requests per second come from the duration.</item>
/// </list>
/// <c>http_req_failed</c> is a Rate whose "true" samples are failed requests, so k6's <c>passes</c> (<c>matches</c> in
/// the machine-readable shape) is the failure count and <c>fails</c> the success count (<c>total</c> all requests).
/// </summary>
public sealed class K6SummaryParser : LoadTestResultParser
{
    /// <summary>The route name.</summary>
    public const string ToolName = "k6";

    private const string Shapes = "a k6 summary carries its results under 'metrics' (handleSummary data, --summary-export) or 'results.metrics' (--new-machine-readable-summary)";

    /// <inheritdoc />
    public override string Tool => ToolName;

    private protected override ToolReading Read(JsonElement root)
    {
        JsonRead.RequireRootObject(root, "a k6 handleSummary() or --summary-export summary");
        if (!root.TryGetProperty("metrics", out _) && JsonRead.TryGetObject(root, "results", string.Empty, out var results))
        {
            return ReadMachineReadable(root, results);
        }

        var metrics = JsonRead.RequireObject(root, "metrics", string.Empty, Shapes);
        var duration = Find(metrics, "http_req_duration", out var durationPath, out _);
        var requests = Find(metrics, "http_reqs", out var requestsPath, out _);
        var failed = Find(metrics, "http_req_failed", out var failedPath, out var failedNested);

        TimeSpan? testDuration = null;
        if (JsonRead.TryGetObject(root, "state", string.Empty, out var state)
            && JsonRead.Number(state, "testRunDurationMs", "state", NumberRange.NonNegative) is { } ms)
        {
            testDuration = Duration(ms, "state.testRunDurationMs");
        }

        var failedRead = failed is { } f
            ? new RateRead(f, failedPath, failedNested ? "rate" : "value", "passes", Total: null, Successes: "fails")
            : (RateRead?)null;
        return Signals(duration, durationPath, requests, requestsPath, failedRead, testDuration);
    }

    /// <summary>The k6 1.x machine-readable shape: metrics are an array of <c>{name, type, contains, values}</c>.</summary>
    private static ToolReading ReadMachineReadable(JsonElement root, JsonElement results)
    {
        if (!JsonRead.TryGetArray(results, "metrics", "results", out var list))
        {
            throw IngestRejection.Malformed("results.metrics", "is missing; " + Shapes);
        }

        JsonElement? duration = null, requests = null, failed = null;
        string durationPath = "", requestsPath = "", failedPath = "";
        var index = 0;
        foreach (var metric in list.EnumerateArray())
        {
            var path = JsonPath.Index("results.metrics", index++);
            if (metric.ValueKind != JsonValueKind.Object)
            {
                throw IngestRejection.Malformed(path, "must be an object {name, type, contains, values}");
            }

            var name = JsonRead.String(metric, "name", path);
            if (name is not ("http_req_duration" or "http_reqs" or "http_req_failed"))
            {
                continue;
            }

            var valuesPath = JsonPath.Property(path, "values");
            var values = JsonRead.RequireObject(metric, "values", path, $"the k6 metric '{name}' carries its statistics under 'values'");
            switch (name)
            {
                case "http_req_duration": (duration, durationPath) = (values, valuesPath); break;
                case "http_reqs": (requests, requestsPath) = (values, valuesPath); break;
                default: (failed, failedPath) = (values, valuesPath); break;
            }
        }

        TimeSpan? testDuration = null;
        if (JsonRead.TryGetObject(root, "config", string.Empty, out var config)
            && JsonRead.Number(config, "duration", "config", NumberRange.NonNegative) is { } seconds)
        {
            testDuration = Duration(seconds * 1000.0, "config.duration");
        }

        var failedRead = failed is { } f
            ? new RateRead(f, failedPath, "rate", "matches", Total: "total", Successes: null)
            : (RateRead?)null;
        return Signals(duration, durationPath, requests, requestsPath, failedRead, testDuration, missingPath: "results.metrics");
    }

    private static ToolReading Signals(
        JsonElement? duration,
        string durationPath,
        JsonElement? requests,
        string requestsPath,
        RateRead? failed,
        TimeSpan? testDuration,
        string missingPath = "metrics.http_reqs")
    {
        if (duration is null && requests is null && failed is null)
        {
            throw IngestRejection.Malformed(missingPath, "is missing; the summary has no HTTP metrics (http_reqs, http_req_duration, http_req_failed)");
        }

        var signals = new SignalSet();
        if (duration is { } d)
        {
            Trend(signals, SignalNames.LatencyP50, d, durationPath, "med", "p(50)", "p50");
            Trend(signals, SignalNames.LatencyP90, d, durationPath, "p(90)", "p90");
            Trend(signals, SignalNames.LatencyP95, d, durationPath, "p(95)", "p95");
            Trend(signals, SignalNames.LatencyP99, d, durationPath, "p(99)", "p99");
            Trend(signals, SignalNames.LatencyAvg, d, durationPath, "avg");
        }

        double? failures = null, successes = null, total = null;
        string? totalPath = null;
        if (failed is { } r)
        {
            signals.Set(SignalNames.ErrorsRate, JsonRead.Number(r.Values, r.RateName, r.Path, NumberRange.Fraction), JsonPath.Property(r.Path, r.RateName));
            failures = JsonRead.Number(r.Values, r.Failures, r.Path, NumberRange.NonNegative);
            signals.Set(SignalNames.ErrorsCount, failures, JsonPath.Property(r.Path, r.Failures));
            if (r.Successes is { } successName)
            {
                successes = JsonRead.Number(r.Values, successName, r.Path, NumberRange.NonNegative);
                totalPath = JsonPath.Property(r.Path, successName);
            }

            if (r.Total is { } totalName)
            {
                total = JsonRead.Number(r.Values, totalName, r.Path, NumberRange.NonNegative);
                totalPath = JsonPath.Property(r.Path, totalName);
            }
        }

        if (requests is { } q)
        {
            signals.Set(SignalNames.TrafficRequests, JsonRead.Number(q, "count", requestsPath, NumberRange.NonNegative), JsonPath.Property(requestsPath, "count"));
            signals.Set(SignalNames.TrafficRps, JsonRead.Number(q, "rate", requestsPath, NumberRange.NonNegative), JsonPath.Property(requestsPath, "rate"));
        }

        if (signals.Get(SignalNames.TrafficRequests) is null)
        {
            var fromRate = total ?? (failures is { } f && successes is { } s ? f + s : null);
            signals.Set(SignalNames.TrafficRequests, fromRate, totalPath ?? missingPath);
        }

        signals.DeriveErrorRate();
        signals.DeriveRps(testDuration);
        return new ToolReading(signals, Duration: testDuration);
    }

    /// <summary>The first of <paramref name="keys"/> the trend carries (k6 spells percentiles <c>p(95)</c>; some writers <c>p95</c>).</summary>
    private static void Trend(SignalSet signals, string signal, JsonElement values, string path, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (JsonRead.Number(values, key, path, NumberRange.NonNegative) is { } value)
            {
                signals.Set(signal, value, JsonPath.Property(path, key));
                return;
            }
        }
    }

    private static TimeSpan Duration(double milliseconds, string path) =>
        milliseconds > TimeSpan.MaxValue.TotalMilliseconds / 2
            ? throw IngestRejection.Malformed(path, "is not a plausible duration")
            : TimeSpan.FromMilliseconds(milliseconds);

    /// <summary>The metric's value container: <c>values</c> in handleSummary data, the metric itself in --summary-export.</summary>
    private static JsonElement? Find(JsonElement metrics, string name, out string path, out bool nested)
    {
        var metricPath = JsonPath.Property("metrics", name);
        nested = false;
        path = metricPath;
        if (!JsonRead.TryGetObject(metrics, name, "metrics", out var metric))
        {
            return null;
        }

        if (JsonRead.TryGetObject(metric, "values", metricPath, out var inner))
        {
            nested = true;
            path = JsonPath.Property(metricPath, "values");
            return inner;
        }

        return metric;
    }

    /// <summary>Where <c>http_req_failed</c>'s numbers are, by name, in one of the shapes.</summary>
    private readonly record struct RateRead(JsonElement Values, string Path, string RateName, string Failures, string? Total, string? Successes);
}
