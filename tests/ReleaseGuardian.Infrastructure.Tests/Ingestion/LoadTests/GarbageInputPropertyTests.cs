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
                "flagKey", "current", "enabled", "guardian", "testId", "start", "end", "signals", "kind", "experimentStatus", "verdict", "experiment", "desiredPhase", "conditions"),
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

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class JsonTextContext : System.Text.Json.Serialization.JsonSerializerContext;
