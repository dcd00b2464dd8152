using System.Globalization;
using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

/// <summary>
/// Locust's <c>--json</c> output: an array of stats entries (<c>name</c>, <c>num_requests</c>, <c>num_failures</c>,
/// <c>total_response_time</c>, the <c>response_times</c> histogram <c>{"ms": count}</c>, <c>start_time</c> and
/// <c>last_request_timestamp</c> in Unix seconds). An object <c>{"stats": [...], "total_rps": n}</c> is read the
/// same way. When an entry is named <c>Aggregated</c> it alone is used; otherwise the entries are merged.
/// Percentiles come from the histogram with Locust's own rule, so they match its report; requests per
/// second is Locust's <c>num_requests / max(last_request_timestamp - start_time, 1)</c> unless
/// <c>total_rps</c> is given.
/// <para>Locust's <c>--csv</c> <c>*_stats.csv</c> is read too (Content-Type <c>text/csv</c>, or a body starting with
/// the <c>Type,Name,</c> header): only its <c>Aggregated</c> row, columns <c>Request Count</c>, <c>Failure Count</c>,
/// <c>Average Response Time</c>, <c>50%</c>, <c>90%</c>, <c>95%</c>, <c>99%</c> and <c>Requests/s</c>. The CSV carries no
/// timestamps, so the window comes from the query or headers. A 400 names the column (<c>csv.Aggregated["95%"]</c>).</para>
/// </summary>
public sealed class LocustStatsParser : LoadTestResultParser
{
    /// <summary>The route name.</summary>
    public const string ToolName = "locust";

    private const string AggregatedName = "Aggregated";

    /// <inheritdoc />
    public override string Tool => ToolName;

    private protected override ToolReading Read(JsonElement root)
    {
        var entries = root;
        var entriesPath = string.Empty;
        double? totalRps = null;
        if (root.ValueKind == JsonValueKind.Object)
        {
            if (!JsonRead.TryGetArray(root, "stats", string.Empty, out entries))
            {
                throw IngestRejection.Malformed("stats", "is missing; expected Locust's --json output (an array of stats entries) or an object with a 'stats' array");
            }

            entriesPath = "stats";
            totalRps = JsonRead.Number(root, "total_rps", string.Empty, NumberRange.NonNegative);
        }
        else if (root.ValueKind != JsonValueKind.Array)
        {
            throw IngestRejection.Malformed("$", "must be Locust's --json output: an array of stats entries");
        }

        var all = new List<(JsonElement Entry, string Path)>();
        (JsonElement Entry, string Path)? aggregated = null;
        var index = 0;
        foreach (var entry in entries.EnumerateArray())
        {
            var path = JsonPath.Index(entriesPath, index++);
            if (entry.ValueKind != JsonValueKind.Object)
            {
                throw IngestRejection.Malformed(path, "must be a stats entry object");
            }

            if (string.Equals(JsonRead.String(entry, "name", path), AggregatedName, StringComparison.OrdinalIgnoreCase))
            {
                aggregated = (entry, path);
            }

            all.Add((entry, path));
        }

        if (all.Count == 0)
        {
            throw IngestRejection.Malformed(JsonPath.Index(entriesPath, 0), "is missing; the result has no stats entries, so the test made no requests");
        }

        List<(JsonElement Entry, string Path)> used = aggregated is { } only ? [only] : all;
        double requests = 0, failures = 0, totalResponseTime = 0;
        var histogram = new SortedDictionary<double, double>();
        DateTimeOffset? start = null, end = null;
        foreach (var (entry, path) in used)
        {
            requests += Require(entry, "num_requests", path);
            failures += JsonRead.Number(entry, "num_failures", path, NumberRange.NonNegative) ?? 0;
            totalResponseTime += JsonRead.Number(entry, "total_response_time", path, NumberRange.NonNegative) ?? 0;
            if (JsonRead.TryGetObject(entry, "response_times", path, out var times))
            {
                var timesPath = JsonPath.Property(path, "response_times");
                foreach (var bucket in times.EnumerateObject())
                {
                    var bucketPath = JsonPath.Property(timesPath, bucket.Name);
                    if (!double.TryParse(bucket.Name, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) || !double.IsFinite(ms) || ms < 0)
                    {
                        throw IngestRejection.Malformed(bucketPath, "must be keyed by a response time in milliseconds");
                    }

                    var count = JsonRead.NumberValue(bucket.Value, bucketPath, NumberRange.NonNegative) ?? 0;
                    histogram[ms] = histogram.GetValueOrDefault(ms) + count;
                }
            }

            start = Earliest(start, JsonRead.UnixTime(entry, "start_time", path, milliseconds: false));
            end = Latest(end, JsonRead.UnixTime(entry, "last_request_timestamp", path, milliseconds: false));
        }

        var signals = new SignalSet();
        var firstPath = used[0].Path;
        signals.Set(SignalNames.TrafficRequests, requests, JsonPath.Property(firstPath, "num_requests"));
        signals.Set(SignalNames.ErrorsCount, failures, JsonPath.Property(firstPath, "num_failures"));
        if (requests > 0 && totalResponseTime > 0)
        {
            signals.Set(SignalNames.LatencyAvg, totalResponseTime / requests, JsonPath.Property(firstPath, "total_response_time"));
        }

        var histogramTotal = histogram.Values.Sum();
        if (histogramTotal > 0)
        {
            var timesPath = JsonPath.Property(firstPath, "response_times");
            signals.Set(SignalNames.LatencyP50, Percentile(histogram, histogramTotal, 0.50), timesPath);
            signals.Set(SignalNames.LatencyP90, Percentile(histogram, histogramTotal, 0.90), timesPath);
            signals.Set(SignalNames.LatencyP95, Percentile(histogram, histogramTotal, 0.95), timesPath);
            signals.Set(SignalNames.LatencyP99, Percentile(histogram, histogramTotal, 0.99), timesPath);
        }
        else if (aggregated is { } row)
        {
            // Locust's web UI rows carry precomputed values instead of a histogram.
            signals.Set(SignalNames.LatencyP50, JsonRead.Number(row.Entry, "median_response_time", row.Path, NumberRange.NonNegative), JsonPath.Property(row.Path, "median_response_time"));
            signals.Set(SignalNames.LatencyP90, JsonRead.Number(row.Entry, "ninetieth_response_time", row.Path, NumberRange.NonNegative), JsonPath.Property(row.Path, "ninetieth_response_time"));
            signals.Set(SignalNames.LatencyP99, JsonRead.Number(row.Entry, "ninety_ninth_response_time", row.Path, NumberRange.NonNegative), JsonPath.Property(row.Path, "ninety_ninth_response_time"));
            if (signals.Get(SignalNames.LatencyAvg) is null)
            {
                signals.Set(SignalNames.LatencyAvg, JsonRead.Number(row.Entry, "avg_response_time", row.Path, NumberRange.NonNegative), JsonPath.Property(row.Path, "avg_response_time"));
            }
        }

        if (start is { } s && end is { } e && e < s)
        {
            throw IngestRejection.Malformed(JsonPath.Property(firstPath, "last_request_timestamp"), "is before start_time");
        }

        TimeSpan? duration = start is { } from && end is { } to ? to - from : null;
        signals.Set(SignalNames.TrafficRps, totalRps, "total_rps");
        if (signals.Get(SignalNames.TrafficRps) is null && duration is { } d)
        {
            signals.Set(SignalNames.TrafficRps, requests / Math.Max(d.TotalSeconds, 1.0), JsonPath.Property(firstPath, "num_requests"));
        }

        signals.DeriveErrorRate();
        return new ToolReading(signals, Start: start, End: end, Duration: duration);
    }

    /// <summary>
    /// Locust's <c>calculate_response_time_percentile</c>: walk the buckets from the slowest down until at most
    /// <c>floor(total × percent)</c> requests remain below.
    /// </summary>
    internal static double Percentile(SortedDictionary<double, double> histogram, double total, double percent)
    {
        var below = Math.Floor(total * percent);
        double processed = 0;
        foreach (var (ms, count) in histogram.Reverse())
        {
            processed += count;
            if (total - processed <= below)
            {
                return ms;
            }
        }

        return 0;
    }

    private static double Require(JsonElement entry, string name, string path) =>
        JsonRead.Number(entry, name, path, NumberRange.NonNegative)
        ?? throw IngestRejection.Malformed(JsonPath.Property(path, name), "is missing; every Locust stats entry counts its requests");

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : (a < b ? a : b);

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : (a > b ? a : b);

    private protected override ToolReading? ReadText(WebhookRequest request)
    {
        var body = request.Body.Span;
        if (body.StartsWith("\uFEFF"u8))
        {
            body = body[3..];
        }

        var isCsv = request.ContentType?.Contains("csv", StringComparison.OrdinalIgnoreCase) == true
            || body.StartsWith("Type,Name,"u8) || body.StartsWith("\"Type\",\"Name\","u8);
        if (!isCsv)
        {
            return null;
        }

        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            throw IngestRejection.Malformed("body", "is not valid UTF-8; send Locust's stats CSV encoded as UTF-8");
        }

        var rows = CsvRows.Parse(System.Text.Encoding.UTF8.GetString(body));
        if (rows.Count == 0)
        {
            throw IngestRejection.Malformed("csv", "is empty; expected Locust's --csv *_stats.csv");
        }

        var header = rows[0];
        var nameColumn = header.FindIndex(h => h == "Name");
        if (nameColumn < 0)
        {
            throw IngestRejection.Malformed("csv.header", "has no 'Name' column; expected Locust's --csv *_stats.csv (Type,Name,Request Count,...)");
        }

        var row = rows.Skip(1).FirstOrDefault(r => r.Count > nameColumn && string.Equals(r[nameColumn], AggregatedName, StringComparison.OrdinalIgnoreCase))
            ?? throw IngestRejection.Malformed("csv.Aggregated", "is missing; Locust's *_stats.csv ends with an 'Aggregated' row");
        const string rowPath = "csv.Aggregated";

        double? Column(string name)
        {
            var column = header.FindIndex(h => h == name);
            if (column < 0 || column >= row.Count || row[column].Length == 0 || row[column] == "N/A")
            {
                return null;
            }

            var path = JsonPath.Property(rowPath, name);
            return double.TryParse(row[column], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw IngestRejection.Malformed(path, "must be a number");
        }

        var signals = new SignalSet();
        var requests = Column("Request Count") ?? throw IngestRejection.Malformed(JsonPath.Property(rowPath, "Request Count"), "is missing");
        signals.Set(SignalNames.TrafficRequests, requests, JsonPath.Property(rowPath, "Request Count"));
        signals.Set(SignalNames.ErrorsCount, Column("Failure Count"), JsonPath.Property(rowPath, "Failure Count"));
        signals.Set(SignalNames.LatencyAvg, Column("Average Response Time"), JsonPath.Property(rowPath, "Average Response Time"));
        signals.Set(SignalNames.LatencyP50, Column("50%") ?? Column("Median Response Time"), JsonPath.Property(rowPath, "50%"));
        signals.Set(SignalNames.LatencyP90, Column("90%"), JsonPath.Property(rowPath, "90%"));
        signals.Set(SignalNames.LatencyP95, Column("95%"), JsonPath.Property(rowPath, "95%"));
        signals.Set(SignalNames.LatencyP99, Column("99%"), JsonPath.Property(rowPath, "99%"));
        signals.Set(SignalNames.TrafficRps, Column("Requests/s"), JsonPath.Property(rowPath, "Requests/s"));
        signals.DeriveErrorRate();
        return new ToolReading(signals);
    }
}
