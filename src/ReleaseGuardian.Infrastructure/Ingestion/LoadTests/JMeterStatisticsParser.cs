using System.Text.Json;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

/// <summary>
/// JMeter's dashboard <c>statistics.json</c> (<c>jmeter -g results.jtl -o report/</c>). Only the <c>Total</c>
/// row is read. <c>pct1ResTime</c>/<c>pct2ResTime</c>/<c>pct3ResTime</c> are p90/p95/p99 under JMeter's default
/// <c>aggregate_rpt_pct1..3</c>; <c>errorPct</c> is a percentage and becomes a fraction. The file has no
/// timestamps or duration, so the window's start must come from the query or a header.
/// </summary>
public sealed class JMeterStatisticsParser : LoadTestResultParser
{
    /// <summary>The route name.</summary>
    public const string ToolName = "jmeter";

    /// <inheritdoc />
    public override string Tool => ToolName;

    private protected override ToolReading Read(JsonElement root)
    {
        JsonRead.RequireRootObject(root, "JMeter's statistics.json");
        var total = JsonRead.RequireObject(root, "Total", string.Empty, "statistics.json has a 'Total' row with the aggregate over all samplers");
        var signals = new SignalSet();
        ReadTotalRow(total, "Total", signals);
        return new ToolReading(signals);
    }

    /// <summary>
    /// Reads a JMeter-style statistics row (JMeter's statistics.json and Azure Load Testing's
    /// <c>testRunStatistics</c> share it). Explicit <c>pct50/90/95/99ResTime</c> fields, which newer Azure
    /// Load Testing API versions add, win over the numbered ones.
    /// </summary>
    internal static void ReadTotalRow(JsonElement total, string path, SignalSet signals)
    {
        SetFirst(signals, SignalNames.LatencyP50, total, path, "pct50ResTime", "medianResTime");
        SetFirst(signals, SignalNames.LatencyP90, total, path, "pct90ResTime", "pct1ResTime");
        SetFirst(signals, SignalNames.LatencyP95, total, path, "pct95ResTime", "pct2ResTime");
        SetFirst(signals, SignalNames.LatencyP99, total, path, "pct99ResTime", "pct3ResTime");
        SetFirst(signals, SignalNames.LatencyAvg, total, path, "meanResTime", "meanResTime");

        var errorPct = JsonRead.Number(total, "errorPct", path, NumberRange.Percent);
        signals.Set(SignalNames.ErrorsRate, errorPct / 100.0, JsonPath.Property(path, "errorPct"));
        signals.Set(SignalNames.ErrorsCount, JsonRead.Number(total, "errorCount", path, NumberRange.NonNegative), JsonPath.Property(path, "errorCount"));
        signals.Set(SignalNames.TrafficRequests, JsonRead.Number(total, "sampleCount", path, NumberRange.NonNegative), JsonPath.Property(path, "sampleCount"));
        signals.Set(SignalNames.TrafficRps, JsonRead.Number(total, "throughput", path, NumberRange.NonNegative), JsonPath.Property(path, "throughput"));
        signals.DeriveErrorRate();

        if (signals.Count == 0)
        {
            throw IngestRejection.Malformed(JsonPath.Property(path, "sampleCount"), "is missing; the statistics row carries none of sampleCount, errorPct, meanResTime, pct1ResTime..pct3ResTime");
        }
    }

    private static void SetFirst(SignalSet signals, string signal, JsonElement row, string path, string preferred, string fallback)
    {
        var value = JsonRead.Number(row, preferred, path, NumberRange.NonNegative);
        var name = preferred;
        if (value is null)
        {
            value = JsonRead.Number(row, fallback, path, NumberRange.NonNegative);
            name = fallback;
        }

        signals.Set(signal, value, JsonPath.Property(path, name));
    }
}
