using System.Text;
using CsCheck;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion.CloudEvents;
using ReleaseGuardian.Infrastructure.Ingestion.LoadTests;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.Deliveries;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests;

/// <summary>
/// Garbage in, a problem out: arbitrary bytes, arbitrary JSON and deep nesting never make a parser or the
/// CloudEvents reader throw, and never make the CloudEvents reader produce an event.
/// </summary>
public sealed class GarbageInputPropertyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Arbitrary JSON text, with keys the parsers look for so generation reaches past the first check.</summary>
    private static readonly Gen<string> Json = Gen.Recursive<string>((depth, self) =>
    {
        var scalar = Gen.OneOf(
            Gen.Const("null"),
            Gen.Bool.Select(b => b ? "true" : "false"),
            Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "0"),
            Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.OneOfConst("\"NaN\"", "\"-\"", "\"1.5\"", "\"DONE\"", "\"1.0\"", "\"2026-11-24T10:00:00Z\"", "\"Stop\"", "\"ChaosResult\""),
            Gen.String[0, 12].Select(s => System.Text.Json.JsonSerializer.Serialize(s, JsonTextContext.Default.String)));
        if (depth > 4)
        {
            return scalar;
        }

        var key = Gen.OneOf(
            Gen.OneOfConst(
                "metrics", "values", "http_req_duration", "http_req_failed", "http_reqs", "p(95)", "rate", "count", "passes", "fails", "value", "state", "testRunDurationMs",
                "Total", "sampleCount", "errorPct", "pct2ResTime", "stats", "numberOfRequests", "total", "ko", "percentiles3",
                "name", "num_requests", "num_failures", "response_times", "start_time", "last_request_timestamp", "Aggregated",
                "aggregate", "counters", "http.requests", "errors.E", "summaries", "http.response_time", "firstMetricAt",
                "status", "testRunStatistics", "testRunId", "startDateTime", "duration",
                "specversion", "id", "source", "type", "data", "data_base64", "time", "subject", "datacontenttype",
                "flagKey", "current", "enabled", "guardian", "testId", "start", "end", "signals", "kind", "experimentStatus", "verdict", "experiment", "desiredPhase", "conditions",
                "results", "config", "matches", "p95", "p90", "latency", "requestsCompleted", "rps", "mean", "codes", "errors", "timestamp", "phases", "median"),
            Gen.String[0, 6]);
        var obj = Gen.Select(key, self).Array[0, 5]
            .Select(pairs => "{" + string.Join(",", pairs.Select(p => System.Text.Json.JsonSerializer.Serialize(p.Item1, JsonTextContext.Default.String) + ":" + p.Item2)) + "}");
        var arr = self.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]");
        return Gen.Frequency((3, scalar), (3, obj), (2, arr));
    });

    private static readonly Gen<string> ContentType = Gen.OneOfConst<string?>(
        null, "application/json", "application/cloudevents+json", "application/cloudevents-batch+json", "text/plain")!;

    private static void NeverThrows(byte[] body, IReadOnlyDictionary<string, string> query, string? contentType)
    {
        var request = Request(body, query, contentType: contentType);
        foreach (var parser in LoadTestParserCatalog.BuiltIn)
        {
            var outcome = parser.Parse(request, Now);
            if (outcome is LoadTestParseOutcome.Rejected rejected)
            {
                Assert.False(string.IsNullOrEmpty(rejected.Problem.Field));
                Assert.Equal(400, rejected.Problem.StatusCode);
            }
        }

        var read = CloudEventsReader.Read(request);
        Assert.False(read.IsAccepted && read.Events.Count > 0, "garbage produced an event");
        var parsed = CloudEventsReader.ParseJson(body);
        Assert.Empty(parsed.Events);
        Assert.Empty(CloudEventsReader.DecodeQueueMessage(Encoding.UTF8.GetString(body)).Events);
        Assert.Empty(CloudEventsReader.DecodeQueueMessage(Convert.ToBase64String(body)).Events);
    }

    [Fact]
    public void Arbitrary_bytes_never_throw_and_never_become_an_event()
    {
        Gen.Select(Gen.Byte.Array[0, 400], ContentType).Sample((bytes, contentType) =>
            NeverThrows(bytes, new Dictionary<string, string> { ["guardian"] = "checkout", ["start"] = "2026-11-24T10:00:00Z" }, contentType));
    }

    [Fact]
    public void Arbitrary_JSON_never_throws_and_never_becomes_an_event()
    {
        Gen.Select(Json, ContentType).Sample(
            (json, contentType) => NeverThrows(Encoding.UTF8.GetBytes(json), new Dictionary<string, string> { ["guardian"] = "checkout", ["start"] = "2026-11-24T10:00:00Z" }, contentType),
            iter: 3000);
    }

    [Fact]
    public void Deep_nesting_is_rejected_without_throwing()
    {
        Gen.Select(Gen.Int[60, 3000], Gen.OneOfConst("[", "{\"a\":", "{\"metrics\":", "{\"data\":")).Sample((depth, opener) =>
        {
            var closer = opener == "[" ? "]" : "}";
            var body = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(opener, depth)) + "1" + string.Concat(Enumerable.Repeat(closer, depth)));
            NeverThrows(body, new Dictionary<string, string> { ["guardian"] = "checkout" }, "application/json");
            if (depth > 64)
            {
                Assert.All(LoadTestParserCatalog.BuiltIn, parser =>
                    Assert.Equal("body", Assert.IsType<LoadTestParseOutcome.Rejected>(parser.Parse(Request(body), Now)).Problem.Field));
            }
        }, iter: 200);
    }

    [Fact]
    public void Arbitrary_signal_values_either_pass_their_range_or_are_rejected_naming_the_path()
    {
        Gen.Double.Sample(value =>
        {
            var text = double.IsFinite(value) ? value.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "\"" + value.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\"";
            var body = "{\"metrics\":{\"http_req_failed\":{\"values\":{\"rate\":" + text + "}}}}";
            var outcome = new K6SummaryParser().Parse(Request(body, Query(("guardian", "checkout"), ("start", "2026-11-24T10:00:00Z"))), Now);
            var valid = double.IsFinite(value) && value is >= 0 and <= 1;
            if (valid)
            {
                Assert.Equal(value, Assert.IsType<LoadTestParseOutcome.Accepted>(outcome).Result.Signals!["errors.rate"]);
            }
            else
            {
                Assert.Equal("metrics.http_req_failed.values.rate", Assert.IsType<LoadTestParseOutcome.Rejected>(outcome).Problem.Field);
            }
        });
    }
}

/// <summary>The parser branches added for issue 14: CSV stats, k6's machine-readable summary, Artillery 1.x.</summary>
public sealed class NewFormatPropertyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlyDictionary<string, string> Window = Query(("guardian", "checkout"), ("start", "2026-11-24T10:00:00Z"), ("end", "2026-11-24T10:01:00Z"));

    private static readonly Gen<string> Cell = Gen.OneOf(
        Gen.OneOfConst("Aggregated", "Type", "Name", "Request Count", "95%", "Requests/s", "N/A", "", "\"", "1e400", "-1", "NaN"),
        Gen.Double.Select(d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
        Gen.String[0, 8]);

    [Fact]
    public void Arbitrary_Locust_csv_never_throws_and_every_refusal_names_a_csv_field()
    {
        var header = "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,50%,90%,95%,99%,Requests/s";
        var rows = Gen.Select(Cell.Array[0, 12], Gen.Bool).Select((cells, aggregated) => (aggregated ? ",Aggregated," : "") + string.Join(',', cells)).Array[0, 5];
        Gen.Select(rows, Gen.Bool).Sample((lines, withHeader) =>
        {
            var csv = (withHeader ? header + "\r\n" : "") + string.Join("\r\n", lines);
            var outcome = new LocustStatsParser().Parse(Request(Encoding.UTF8.GetBytes(csv), Window, contentType: "text/csv"), Now);
            if (outcome is LoadTestParseOutcome.Rejected rejected)
            {
                Assert.Equal(400, rejected.Problem.StatusCode);
                Assert.StartsWith("csv", rejected.Problem.Field, StringComparison.Ordinal);
            }
        }, iter: 2000);
    }

    private static readonly Gen<(double Med, double P90, double P95, double Avg, int Passes, int Fails, double DurationMs)> K6Run =
        Gen.Select(Gen.Double[0, 1e6], Gen.Double[0, 1e6], Gen.Double[0, 1e6], Gen.Double[0, 1e6], Gen.Int[0, 1_000_000], Gen.Int[0, 1_000_000], Gen.Double[1, 1e9]);

    [Fact]
    public void A_k6_run_summarised_legacy_or_machine_readable_gives_the_same_signals()
    {
        K6Run.Sample(run =>
        {
            var (med, p90, p95, avg, passes, fails, ms) = run;
            var count = passes + fails;
            var rate = count == 0 ? 0 : (double)passes / count;
            string N(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            var trend = $"\"avg\":{N(avg)},\"med\":{N(med)},\"p(90)\":{N(p90)},\"p(95)\":{N(p95)}";
            var legacy = $"{{\"state\":{{\"testRunDurationMs\":{N(ms)}}},\"metrics\":{{" +
                $"\"http_req_duration\":{{\"type\":\"trend\",\"values\":{{{trend}}}}}," +
                $"\"http_req_failed\":{{\"type\":\"rate\",\"values\":{{\"rate\":{N(rate)},\"passes\":{passes},\"fails\":{fails}}}}}," +
                $"\"http_reqs\":{{\"type\":\"counter\",\"values\":{{\"count\":{count},\"rate\":{N(count / (ms / 1000))}}}}}}}}}";
            var modern = $"{{\"version\":\"1.0.0\",\"config\":{{\"duration\":{N(ms / 1000)}}},\"results\":{{\"metrics\":[" +
                $"{{\"name\":\"http_reqs\",\"type\":\"counter\",\"contains\":\"default\",\"values\":{{\"count\":{count}}}}}," +
                $"{{\"name\":\"http_req_failed\",\"type\":\"rate\",\"contains\":\"default\",\"values\":{{\"matches\":{passes},\"total\":{count},\"rate\":{N(rate)}}}}}," +
                $"{{\"name\":\"http_req_duration\",\"type\":\"trend\",\"contains\":\"time\",\"values\":{{{trend.Replace("p(90)", "p90", StringComparison.Ordinal)}}}}}]}}}}";

            var a = Assert.IsType<LoadTestParseOutcome.Accepted>(new K6SummaryParser().Parse(Request(legacy, Window), Now)).Result.Signals!;
            var b = Assert.IsType<LoadTestParseOutcome.Accepted>(new K6SummaryParser().Parse(Request(modern, Window), Now)).Result.Signals!;
            Assert.Equal(a.Keys.Order(StringComparer.Ordinal), b.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, value) in a)
            {
                Assert.True(Math.Abs(value - b[name]) <= 1e-9 * Math.Max(1, Math.Abs(value)), $"{name}: legacy {value}, machine-readable {b[name]}");
            }
        });
    }

    [Fact]
    public void Arbitrary_Artillery_1_aggregates_never_throw_and_refusals_name_a_field()
    {
        var number = Gen.OneOf(Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "\"x\""), Gen.OneOfConst("null", "\"-\"", "{}", "[]"));
        Gen.Select(number, number, number, number, Gen.OneOfConst("\"2021-05-07T16:00:24.016Z\"", "\"yesterday\"", "5", "null")).Sample((completed, median, errors, code, timestamp) =>
        {
            var body = $"{{\"aggregate\":{{\"timestamp\":{timestamp},\"requestsCompleted\":{completed},\"latency\":{{\"median\":{median}}},\"errors\":{{\"ETIMEDOUT\":{errors}}},\"codes\":{{\"503\":{code}}},\"phases\":[{{\"duration\":{median}}}]}}}}";
            var outcome = new ArtilleryReportParser().Parse(Request(body, Window), Now);
            if (outcome is LoadTestParseOutcome.Rejected rejected)
            {
                Assert.Equal(400, rejected.Problem.StatusCode);
                Assert.False(string.IsNullOrEmpty(rejected.Problem.Field));
            }
        }, iter: 2000);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class JsonTextContext : System.Text.Json.Serialization.JsonSerializerContext;
