using System.Text.Json;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

/// <summary>
/// Gatling's report statistics: <c>js/stats.json</c> (the global group, whose numbers sit under <c>stats</c> and
/// are often strings, with <c>"-"</c> for "none") or <c>js/global_stats.json</c> (the same fields at the root).
/// The <c>total</c> column is read (ok and ko together). Gatling's four percentiles default to 50/75/95/99
/// (<c>gatling.charting.indicators.percentile1..4</c>), so <c>percentiles1</c> is p50, <c>percentiles3</c> p95 and
/// <c>percentiles4</c> p99; <c>percentiles2</c> (p75) has no golden signal. There is no p90. The report has no
/// timestamps, so the window's start must come from the query or a header.
/// </summary>
public sealed class GatlingStatsParser : LoadTestResultParser
{
    /// <summary>The route name.</summary>
    public const string ToolName = "gatling";

    /// <inheritdoc />
    public override string Tool => ToolName;

    private protected override ToolReading Read(JsonElement root)
    {
        JsonRead.RequireRootObject(root, "Gatling's stats.json or global_stats.json");
        var path = string.Empty;
        var stats = root;
        if (JsonRead.TryGetObject(root, "stats", string.Empty, out var nested))
        {
            stats = nested;
            path = "stats";
        }

        var requests = JsonRead.RequireObject(stats, "numberOfRequests", path, "Gatling's statistics count requests in numberOfRequests{total,ok,ko}");
        var requestsPath = JsonPath.Property(path, "numberOfRequests");
        var signals = new SignalSet();
        signals.Set(SignalNames.TrafficRequests, JsonRead.Number(requests, "total", requestsPath, NumberRange.NonNegative), JsonPath.Property(requestsPath, "total"));
        signals.Set(SignalNames.ErrorsCount, JsonRead.Number(requests, "ko", requestsPath, NumberRange.NonNegative), JsonPath.Property(requestsPath, "ko"));

        Total(signals, SignalNames.LatencyP50, stats, path, "percentiles1");
        Total(signals, SignalNames.LatencyP95, stats, path, "percentiles3");
        Total(signals, SignalNames.LatencyP99, stats, path, "percentiles4");
        Total(signals, SignalNames.LatencyAvg, stats, path, "meanResponseTime");
        Total(signals, SignalNames.TrafficRps, stats, path, "meanNumberOfRequestsPerSecond");
        signals.DeriveErrorRate();
        return new ToolReading(signals);
    }

    private static void Total(SignalSet signals, string signal, JsonElement stats, string path, string name)
    {
        if (JsonRead.TryGetObject(stats, name, path, out var column))
        {
            var columnPath = JsonPath.Property(path, name);
            signals.Set(signal, JsonRead.Number(column, "total", columnPath, NumberRange.NonNegative), JsonPath.Property(columnPath, "total"));
        }
    }
}
