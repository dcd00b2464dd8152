using System.Text.Json;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

/// <summary>
/// Artillery v2's report (<c>artillery run --output report.json</c>), its <c>aggregate</c> section:
/// <c>summaries["http.response_time"]</c> for latency, <c>counters["http.requests"]</c> for traffic, and
/// <c>firstMetricAt</c>/<c>lastMetricAt</c> (Unix milliseconds) for the window. Requests per second is the request
/// count over that window: <c>rates["http.request_rate"]</c> is an unweighted mean over ten-second clock slices, so
/// a short first or last slice drags it down (a real 40/s read 23-37).
/// <para>
/// Errors: <c>errors.count</c> is the sum of every <c>errors.*</c> counter (requests that got no response or
/// failed a check: ETIMEDOUT, ECONNREFUSED, ...) plus every <c>http.codes.5xx</c> counter (server errors).
/// 4xx responses are not errors here: scenarios often expect them. <c>vusers.failed</c> is not added, as every
/// failed virtual user is already counted under its <c>errors.*</c> code. <c>errors.rate</c> is
/// <c>errors.count / http.requests</c>, at most 1.
/// </para>
/// <para>
/// Artillery 1.x reports (no <c>summaries</c>; <c>aggregate.latency</c>, <c>requestsCompleted</c>, <c>rps</c>,
/// <c>codes</c>, <c>errors</c> and an ISO <c>timestamp</c> at the end of the run) are read too: latency from
/// <c>latency.median/p95/p99</c> (1.x has no p90 or mean), requests as <c>requestsCompleted</c> plus every
/// <c>errors</c> entry (1.x counts only answered requests as completed), errors as the <c>errors</c> entries plus
/// <c>codes</c> 5xx, requests per second as <c>rps.mean</c>, the end of the window as <c>timestamp</c> and its
/// length as the sum of <c>phases[].duration</c> (seconds).
/// </para>
/// </summary>
public sealed class ArtilleryReportParser : LoadTestResultParser
{
    /// <summary>The route name.</summary>
    public const string ToolName = "artillery";

    /// <inheritdoc />
    public override string Tool => ToolName;

    private protected override ToolReading Read(JsonElement root)
    {
        JsonRead.RequireRootObject(root, "an Artillery report (artillery run --output)");
        var aggregate = JsonRead.RequireObject(root, "aggregate", string.Empty, "an Artillery report keeps its totals in 'aggregate'");
        if (IsVersion1(aggregate))
        {
            return ReadVersion1(aggregate);
        }

        var counters = JsonRead.RequireObject(aggregate, "counters", "aggregate", "expected an Artillery v2 report with aggregate.counters");
        const string countersPath = "aggregate.counters";
        var signals = new SignalSet();

        var requests = JsonRead.Number(counters, "http.requests", countersPath, NumberRange.NonNegative);
        signals.Set(SignalNames.TrafficRequests, requests ?? 0, JsonPath.Property(countersPath, "http.requests"));

        double errors = 0;
        foreach (var counter in counters.EnumerateObject())
        {
            if (counter.NameEquals("http.requests"))
            {
                continue;
            }

            var isError = counter.Name.StartsWith("errors.", StringComparison.Ordinal)
                || (counter.Name.Length == "http.codes.5xx".Length
                    && counter.Name.StartsWith("http.codes.5", StringComparison.Ordinal)
                    && char.IsAsciiDigit(counter.Name[^1]) && char.IsAsciiDigit(counter.Name[^2]));
            if (isError)
            {
                errors += JsonRead.NumberValue(counter.Value, JsonPath.Property(countersPath, counter.Name), NumberRange.NonNegative) ?? 0;
            }
        }

        signals.Set(SignalNames.ErrorsCount, errors, countersPath);

        if (JsonRead.TryGetObject(aggregate, "summaries", "aggregate", out var summaries)
            && JsonRead.TryGetObject(summaries, "http.response_time", "aggregate.summaries", out var responseTime))
        {
            var path = JsonPath.Property("aggregate.summaries", "http.response_time");
            var p50 = JsonRead.Number(responseTime, "p50", path, NumberRange.NonNegative);
            signals.Set(SignalNames.LatencyP50, p50, JsonPath.Property(path, "p50"));
            if (p50 is null)
            {
                signals.Set(SignalNames.LatencyP50, JsonRead.Number(responseTime, "median", path, NumberRange.NonNegative), JsonPath.Property(path, "median"));
            }

            signals.Set(SignalNames.LatencyP90, JsonRead.Number(responseTime, "p90", path, NumberRange.NonNegative), JsonPath.Property(path, "p90"));
            signals.Set(SignalNames.LatencyP95, JsonRead.Number(responseTime, "p95", path, NumberRange.NonNegative), JsonPath.Property(path, "p95"));
            signals.Set(SignalNames.LatencyP99, JsonRead.Number(responseTime, "p99", path, NumberRange.NonNegative), JsonPath.Property(path, "p99"));
            signals.Set(SignalNames.LatencyAvg, JsonRead.Number(responseTime, "mean", path, NumberRange.NonNegative), JsonPath.Property(path, "mean"));
        }

        var start = JsonRead.UnixTime(aggregate, "firstMetricAt", "aggregate", milliseconds: true)
            ?? JsonRead.UnixTime(aggregate, "firstCounterAt", "aggregate", milliseconds: true);
        var end = JsonRead.UnixTime(aggregate, "lastMetricAt", "aggregate", milliseconds: true)
            ?? JsonRead.UnixTime(aggregate, "lastCounterAt", "aggregate", milliseconds: true);
        if (start is { } s && end is { } e && e < s)
        {
            throw IngestRejection.Malformed("aggregate.lastMetricAt", "is before aggregate.firstMetricAt");
        }

        TimeSpan? duration = start is { } from && end is { } to ? to - from : null;
        signals.DeriveRps(duration);
        signals.DeriveErrorRate();
        return new ToolReading(signals, Start: start, End: end, Duration: duration);
    }

    /// <summary>Artillery 1.x writes <c>latency</c>/<c>requestsCompleted</c> and no <c>summaries</c>.</summary>
    private static bool IsVersion1(JsonElement aggregate) =>
        !aggregate.TryGetProperty("summaries", out _)
        && (aggregate.TryGetProperty("requestsCompleted", out _) || aggregate.TryGetProperty("latency", out _));

    private static ToolReading ReadVersion1(JsonElement aggregate)
    {
        var signals = new SignalSet();
        double noResponse = 0;
        if (JsonRead.TryGetObject(aggregate, "errors", "aggregate", out var errors))
        {
            foreach (var error in errors.EnumerateObject())
            {
                noResponse += JsonRead.NumberValue(error.Value, JsonPath.Property("aggregate.errors", error.Name), NumberRange.NonNegative) ?? 0;
            }
        }

        double serverErrors = 0;
        if (JsonRead.TryGetObject(aggregate, "codes", "aggregate", out var codes))
        {
            foreach (var code in codes.EnumerateObject())
            {
                var count = JsonRead.NumberValue(code.Value, JsonPath.Property("aggregate.codes", code.Name), NumberRange.NonNegative) ?? 0;
                if (code.Name.Length == 3 && code.Name[0] == '5' && char.IsAsciiDigit(code.Name[1]) && char.IsAsciiDigit(code.Name[2]))
                {
                    serverErrors += count;
                }
            }
        }

        var completed = JsonRead.Number(aggregate, "requestsCompleted", "aggregate", NumberRange.NonNegative);
        signals.Set(SignalNames.TrafficRequests, (completed ?? 0) + noResponse, JsonPath.Property("aggregate", "requestsCompleted"));
        signals.Set(SignalNames.ErrorsCount, noResponse + serverErrors, "aggregate.errors");

        if (JsonRead.TryGetObject(aggregate, "latency", "aggregate", out var latency))
        {
            const string path = "aggregate.latency";
            signals.Set(SignalNames.LatencyP50, JsonRead.Number(latency, "median", path, NumberRange.NonNegative), JsonPath.Property(path, "median"));
            signals.Set(SignalNames.LatencyP95, JsonRead.Number(latency, "p95", path, NumberRange.NonNegative), JsonPath.Property(path, "p95"));
            signals.Set(SignalNames.LatencyP99, JsonRead.Number(latency, "p99", path, NumberRange.NonNegative), JsonPath.Property(path, "p99"));
        }

        if (JsonRead.TryGetObject(aggregate, "rps", "aggregate", out var rps))
        {
            signals.Set(SignalNames.TrafficRps, JsonRead.Number(rps, "mean", "aggregate.rps", NumberRange.NonNegative), JsonPath.Property("aggregate.rps", "mean"));
        }

        // 1.x records no start; the phases it ran say how long it was planned to run.
        TimeSpan? planned = null;
        if (JsonRead.TryGetArray(aggregate, "phases", "aggregate", out var phases))
        {
            double seconds = 0;
            var index = 0;
            foreach (var phase in phases.EnumerateArray())
            {
                seconds += JsonRead.Number(phase, "duration", JsonPath.Index("aggregate.phases", index++), NumberRange.NonNegative) ?? 0;
            }

            planned = seconds is > 0 and < 366 * 24 * 3600 ? TimeSpan.FromSeconds(seconds) : null;
        }

        signals.DeriveErrorRate();
        return new ToolReading(signals, End: JsonRead.Timestamp(aggregate, "timestamp", "aggregate"), Duration: planned);
    }
}
