using System.Text.Json;

namespace ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

/// <summary>
/// An Azure Load Testing test run, as <c>GET /test-runs/{testRunId}</c> returns it: <c>testRunId</c>,
/// <c>status</c>, <c>startDateTime</c>, <c>endDateTime</c>, <c>duration</c> (ms) and
/// <c>testRunStatistics.Total</c>, a JMeter statistics row (pct1/pct2/pct3 = p90/p95/p99; explicit
/// <c>pct90ResTime</c>-style fields win where the API version has them).
/// <para>
/// Only a run whose <c>status</c> is <c>DONE</c> is accepted. FAILED and CANCELLED runs (and runs still in
/// progress) are rejected with 400 naming <c>status</c>: their statistics cover an unknown part of the
/// planned load, and judging them, or worse learning a baseline from them, would compare unlike with
/// unlike. <c>testResult</c> (PASSED/FAILED against the tool's own criteria) does not matter: a test that
/// failed its criteria is exactly what a guardian has to judge.
/// </para>
/// </summary>
public sealed class AzureLoadTestingRunParser : LoadTestResultParser
{
    /// <summary>The route name.</summary>
    public const string ToolName = "azureloadtesting";

    /// <inheritdoc />
    public override string Tool => ToolName;

    private protected override ToolReading Read(JsonElement root)
    {
        JsonRead.RequireRootObject(root, "an Azure Load Testing test run");
        var status = JsonRead.RequireString(root, "status", string.Empty, "an Azure Load Testing test run has a status; only DONE runs are judged");
        if (!string.Equals(status, "DONE", StringComparison.OrdinalIgnoreCase))
        {
            throw IngestRejection.Malformed(
                "status",
                $"is '{RunIdentity.Truncate(status)}'; only a test run with status DONE has complete statistics (FAILED and CANCELLED runs are not judged; send the run once it is DONE)");
        }

        var statistics = JsonRead.RequireObject(root, "testRunStatistics", string.Empty, "a finished test run carries testRunStatistics");
        var total = JsonRead.RequireObject(statistics, "Total", "testRunStatistics", "testRunStatistics has a 'Total' row");
        var signals = new SignalSet();
        JMeterStatisticsParser.ReadTotalRow(total, "testRunStatistics.Total", signals);

        var start = JsonRead.Timestamp(root, "startDateTime", string.Empty);
        var end = JsonRead.Timestamp(root, "endDateTime", string.Empty);
        if (start is { } s && end is { } e && e < s)
        {
            throw IngestRejection.Malformed("endDateTime", "is before startDateTime");
        }

        TimeSpan? duration = null;
        if (JsonRead.Number(root, "duration", string.Empty, NumberRange.NonNegative) is { } ms)
        {
            if (ms > TimeSpan.MaxValue.TotalMilliseconds / 2)
            {
                throw IngestRejection.Malformed("duration", "is not a plausible duration");
            }

            duration = TimeSpan.FromMilliseconds(ms);
        }
        else if (start is { } from && end is { } to)
        {
            duration = to - from;
        }

        signals.DeriveRps(duration);
        return new ToolReading(signals, JsonRead.String(root, "testRunId", string.Empty), start, end, duration);
    }
}
