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
}
