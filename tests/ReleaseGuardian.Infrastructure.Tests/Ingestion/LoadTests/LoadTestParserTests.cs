using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.LoadTests;
using ReleaseGuardian.Core.Signals;
using ReleaseGuardian.Infrastructure.Ingestion.LoadTests;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.Deliveries;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests;

public sealed class LoadTestParserTests
{
    internal static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    internal static readonly DateTimeOffset TenOClock = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    internal static LoadTestFinished Accept(ILoadTestResultParser parser, WebhookRequest request)
    {
        var outcome = parser.Parse(request, Now);
        if (outcome is LoadTestParseOutcome.Rejected rejected)
        {
            Assert.Fail($"rejected: {rejected.Problem.Field}: {rejected.Problem.Detail}");
        }

        var accepted = Assert.IsType<LoadTestParseOutcome.Accepted>(outcome);
        return accepted.Result;
    }

    internal static IngestProblem Reject(ILoadTestResultParser parser, WebhookRequest request)
    {
        var outcome = parser.Parse(request, Now);
        var rejected = Assert.IsType<LoadTestParseOutcome.Rejected>(outcome);
        Assert.Equal(400, rejected.Problem.StatusCode);
        return rejected.Problem;
    }

    internal static void AssertSignals(IReadOnlyDictionary<string, double>? actual, params (string Name, double Value)[] expected)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Select(e => e.Name).Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, value) in expected)
        {
            Assert.True(Math.Abs(actual[name] - value) < 1e-9, $"{name}: expected {value}, got {actual[name]}");
        }
    }

    [Fact]
    public void A_k6_handleSummary_document_yields_every_golden_signal_and_its_duration_sets_the_start()
    {
        var end = TenOClock.AddMinutes(1);
        var result = Accept(new K6SummaryParser(), Request(
            LoadTestPayload("k6-handle-summary.json"),
            Query(("guardian", "checkout"), ("end", "2026-11-24T10:01:00Z"))));

        AssertSignals(
            result.Signals,
            (SignalNames.LatencyP50, 201.7),
            (SignalNames.LatencyP90, 402.5),
            (SignalNames.LatencyP95, 512.3),
            (SignalNames.LatencyP99, 980.6),
            (SignalNames.LatencyAvg, 231.4),
            (SignalNames.ErrorsRate, 0.010362694300518135),
            (SignalNames.ErrorsCount, 12),
            (SignalNames.TrafficRequests, 1158),
            (SignalNames.TrafficRps, 19.296));
        Assert.Equal("checkout", result.GuardianId);
        Assert.Equal("k6", result.Tool);
        Assert.Equal(RunPurpose.Validation, result.Purpose);
        Assert.Equal(end, result.End);
        Assert.Equal(end - TimeSpan.FromMilliseconds(60012.5), result.Start);
    }

    [Fact]
    public void A_k6_summary_export_document_is_read_in_its_flat_shape()
    {
        var result = Accept(new K6SummaryParser(), Request(
            LoadTestPayload("k6-summary-export.json"),
            Query(("guardian", "checkout"), ("start", "2026-11-24T10:00:00Z"), ("end", "2026-11-24T10:01:00Z"), ("purpose", "training"))));

        AssertSignals(
            result.Signals,
            (SignalNames.LatencyP50, 201.7),
            (SignalNames.LatencyP90, 402.5),
            (SignalNames.LatencyP95, 512.3),
            (SignalNames.LatencyAvg, 231.4),
            (SignalNames.ErrorsRate, 0.010362694300518135),
            (SignalNames.ErrorsCount, 12),
            (SignalNames.TrafficRequests, 1158),
            (SignalNames.TrafficRps, 19.296));
        Assert.Equal(RunPurpose.Training, result.Purpose);
        Assert.Equal(TenOClock, result.Start);
    }

    [Fact]
    public void A_k6_summary_export_without_a_start_is_rejected_naming_start_because_it_has_no_duration()
    {
        var problem = Reject(new K6SummaryParser(), Request(LoadTestPayload("k6-summary-export.json"), Query(("guardian", "checkout"))));
        Assert.Equal("start", problem.Field);
    }

    [Fact]
    public void A_jmeter_statistics_file_maps_pct1_to_pct3_to_p90_p95_p99_and_errorPct_to_a_fraction()
    {
        var result = Accept(new JMeterStatisticsParser(), Request(
            LoadTestPayload("jmeter-statistics.json"),
            Query(("guardian", "checkout"), ("start", "2026-11-24T10:00:00Z"), ("end", "2026-11-24T10:01:00Z"))));

        AssertSignals(
            result.Signals,
            (SignalNames.LatencyP50, 175),
            (SignalNames.LatencyP90, 390),
            (SignalNames.LatencyP95, 520),
            (SignalNames.LatencyP99, 1100),
            (SignalNames.LatencyAvg, 210.75),
            (SignalNames.ErrorsRate, 0.015),
            (SignalNames.ErrorsCount, 18),
            (SignalNames.TrafficRequests, 1200),
            (SignalNames.TrafficRps, 19.98));
        Assert.Equal("jmeter", result.Tool);
    }

    [Fact]
    public void A_gatling_stats_json_with_string_numbers_reads_the_total_column()
    {
        var result = Accept(new GatlingStatsParser(), Request(
            LoadTestPayload("gatling-stats.json"),
            Query(("guardian", "checkout"), ("start", "2026-11-24T10:00:00Z"), ("end", "2026-11-24T10:01:00Z"))));

        AssertSignals(
            result.Signals,
            (SignalNames.LatencyP50, 202),
            (SignalNames.LatencyP95, 512),
            (SignalNames.LatencyP99, 981),
            (SignalNames.LatencyAvg, 231),
            (SignalNames.ErrorsRate, 12.0 / 1158),
            (SignalNames.ErrorsCount, 12),
            (SignalNames.TrafficRequests, 1158),
            (SignalNames.TrafficRps, 19.3));
    }

    [Fact]
    public void A_gatling_global_stats_json_is_read_from_its_root_and_a_dash_means_none()
    {
        var result = Accept(new GatlingStatsParser(), Request(
            LoadTestPayload("gatling-global_stats.json"),
            Query(("guardian", "checkout"), ("start", "2026-11-24T10:00:00Z"), ("end", "2026-11-24T10:01:00Z"))));

        AssertSignals(
            result.Signals,
            (SignalNames.LatencyP50, 200),
            (SignalNames.LatencyP95, 498),
            (SignalNames.LatencyP99, 902),
            (SignalNames.LatencyAvg, 222),
            (SignalNames.ErrorsRate, 0),
            (SignalNames.ErrorsCount, 0),
            (SignalNames.TrafficRequests, 1158),
            (SignalNames.TrafficRps, 19.3));
    }

    [Fact]
    public void A_locust_json_merges_the_entries_computes_percentiles_from_the_histogram_and_takes_its_window_from_the_document()
    {
        var result = Accept(new LocustStatsParser(), Request(LoadTestPayload("locust.json"), Query(("guardian", "checkout"))));

        // Merged histogram {100:5, 150:5, 200:4, 300:2, 600:3, 900:1}; Locust's rule walks down from the slowest.
        AssertSignals(
            result.Signals,
            (SignalNames.LatencyP50, 200),
            (SignalNames.LatencyP90, 600),
            (SignalNames.LatencyP95, 900),
            (SignalNames.LatencyP99, 900),
            (SignalNames.LatencyAvg, 267.5),
            (SignalNames.ErrorsRate, 0.15),
            (SignalNames.ErrorsCount, 3),
            (SignalNames.TrafficRequests, 20),
            (SignalNames.TrafficRps, 20.0 / 60));
        Assert.Equal(TenOClock, result.Start);
        Assert.Equal(TenOClock.AddMinutes(1), result.End);
    }

    [Fact]
    public void A_locust_Aggregated_entry_is_used_alone_when_present()
    {
        const string body = """
            [ { "name": "/a", "num_requests": 4, "num_failures": 4, "total_response_time": 400, "response_times": { "100": 4 } },
              { "name": "Aggregated", "num_requests": 10, "num_failures": 1, "total_response_time": 1000, "response_times": { "50": 6, "150": 4 } } ]
            """;
        var result = Accept(new LocustStatsParser(), Request(body, Query(("guardian", "checkout"), ("start", "2026-11-24T10:00:00Z"))));

        Assert.Equal(10, result.Signals![SignalNames.TrafficRequests]);
        Assert.Equal(0.1, result.Signals[SignalNames.ErrorsRate], 12);
        Assert.Equal(50, result.Signals[SignalNames.LatencyP50]);
        Assert.Equal(150, result.Signals[SignalNames.LatencyP95]);
    }

    [Fact]
    public void An_artillery_report_counts_5xx_and_network_errors_but_not_4xx_or_failed_vusers()
    {
        var result = Accept(new ArtilleryReportParser(), Request(LoadTestPayload("artillery-report.json"), Query(("guardian", "checkout"))));

        AssertSignals(
            result.Signals,
            (SignalNames.LatencyP50, 190.6),
            (SignalNames.LatencyP90, 380.5),
            (SignalNames.LatencyP95, 487.9),
            (SignalNames.LatencyP99, 1022.7),
            (SignalNames.LatencyAvg, 215.3),
            (SignalNames.ErrorsRate, 30.0 / 1200),
            (SignalNames.ErrorsCount, 30),
            (SignalNames.TrafficRequests, 1200),
            // 1,200 requests over firstMetricAt..lastMetricAt (59.927 s), not the file's http.request_rate of 20.
            (SignalNames.TrafficRps, 1200 / 59.927));
        Assert.Equal(TenOClock.AddMilliseconds(123), result.Start);
        Assert.Equal(TenOClock.AddSeconds(60).AddMilliseconds(50), result.End);
    }

    [Fact]
    public void An_artillery_report_with_short_first_and_last_slices_gives_the_request_count_over_its_window_as_requests_per_second()
    {
        // Written by a real Artillery 2.0.34 (eng/artillery.sh) running 5 s at 10 arrivals/s against a loopback
        // server: its two ten-second clock slices were 2.4 s each, and aggregate.rates["http.request_rate"] says 11.
        var result = Accept(new ArtilleryReportParser(), Request(LoadTestPayload("artillery-report-short-slices.json"), Query(("guardian", "checkout"))));

        // 50 requests from firstMetricAt 1796516697533 to lastMetricAt 1796516702370 (4.837 s): 10.34 per second.
        Assert.Equal(50, result.Signals![SignalNames.TrafficRequests]);
        Assert.Equal(50 / 4.837, result.Signals[SignalNames.TrafficRps], 9);
        Assert.NotEqual(11, result.Signals[SignalNames.TrafficRps]);
        Assert.Equal(133, result.Signals[SignalNames.LatencyP95]);
        Assert.Equal(0, result.Signals[SignalNames.ErrorsCount]);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1796516697533), result.Start);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1796516702370), result.End);
    }

    [Fact]
    public void An_azure_load_testing_run_that_is_DONE_gives_its_id_window_and_statistics()
    {
        var result = Accept(new AzureLoadTestingRunParser(), Request(LoadTestPayload("azureloadtesting-run.json"), Query(("guardian", "checkout"))));

        AssertSignals(
            result.Signals,
            (SignalNames.LatencyP50, 210),
            (SignalNames.LatencyP90, 420),
            (SignalNames.LatencyP95, 560),
            (SignalNames.LatencyP99, 1250),
            (SignalNames.LatencyAvg, 240.1),
            (SignalNames.ErrorsRate, 0.015),
            (SignalNames.ErrorsCount, 90),
            (SignalNames.TrafficRequests, 6000),
            (SignalNames.TrafficRps, 20));
        Assert.Equal("checkout-run-20261124-1000", result.TestId);
        Assert.Equal(TenOClock, result.Start);
        Assert.Equal(TenOClock.AddMinutes(5), result.End);
        Assert.Equal("azureloadtesting", result.Tool);
    }

    [Theory]
    [InlineData("FAILED")]
    [InlineData("CANCELLED")]
    [InlineData("EXECUTING")]
    public void An_azure_load_testing_run_that_is_not_DONE_is_rejected_naming_status(string status)
    {
        var body = System.Text.Encoding.UTF8.GetString(LoadTestPayload("azureloadtesting-run.json")).Replace("\"DONE\"", $"\"{status}\"", StringComparison.Ordinal);
        var problem = Reject(new AzureLoadTestingRunParser(), Request(body, Query(("guardian", "checkout"))));
        Assert.Equal("status", problem.Field);
        Assert.Contains(status, problem.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> BadNumbers => new()
    {
        { "k6", """{"metrics":{"http_req_failed":{"values":{"rate":1.5,"passes":1,"fails":1}}}}""", "metrics.http_req_failed.values.rate" },
        { "k6", """{"metrics":{"http_reqs":{"values":{"count":-3,"rate":1}}}}""", "metrics.http_reqs.values.count" },
        { "k6", """{"metrics":{"http_req_duration":{"values":{"p(95)":"NaN"}}}}""", "metrics.http_req_duration.values[\"p(95)\"]" },
        { "k6", """{"metrics":{"http_req_duration":{"p(95)":1e400}}}""", "metrics.http_req_duration[\"p(95)\"]" },
        { "jmeter", """{"Total":{"sampleCount":10,"errorPct":150}}""", "Total.errorPct" },
        { "jmeter", """{"Total":{"sampleCount":-1}}""", "Total.sampleCount" },
        { "jmeter", """{"Total":{"sampleCount":"many"}}""", "Total.sampleCount" },
        { "gatling", """{"stats":{"numberOfRequests":{"total":"10","ok":"9","ko":"-1"}}}""", "stats.numberOfRequests.ko" },
        { "gatling", """{"numberOfRequests":{"total":10},"percentiles3":{"total":"Infinity"}}""", "percentiles3.total" },
        { "locust", """[{"name":"/","num_requests":10,"response_times":{"100":-2}}]""", "[0].response_times[\"100\"]" },
        { "locust", """[{"name":"/","num_requests":10,"response_times":{"fast":2}}]""", "[0].response_times.fast" },
        { "locust", """[{"name":"/"}]""", "[0].num_requests" },
        { "artillery", """{"aggregate":{"counters":{"http.requests":10,"errors.ETIMEDOUT":-1}}}""", "aggregate.counters[\"errors.ETIMEDOUT\"]" },
        { "artillery", """{"aggregate":{"counters":{"http.requests":10},"summaries":{"http.response_time":{"p95":-5}}}}""", "aggregate.summaries[\"http.response_time\"].p95" },
        { "azureloadtesting", """{"status":"DONE","testRunStatistics":{"Total":{"errorPct":-0.5}}}""", "testRunStatistics.Total.errorPct" },
    };

    [Theory]
    [MemberData(nameof(BadNumbers))]
    public void A_bad_number_is_rejected_naming_its_JSON_path(string tool, string body, string path)
    {
        Assert.True(LoadTestParserCatalog.Default.TryGet(tool, out var parser));
        var problem = Reject(parser, Request(body, Query(("guardian", "checkout"), ("start", "2026-11-24T10:00:00Z"))));
        Assert.Equal(path, problem.Field);
    }

    public static TheoryData<string, string, string> MissingParts => new()
    {
        { "k6", """{"root_group":{}}""", "metrics" },
        { "k6", """{"metrics":{"vus":{"values":{"value":1}}}}""", "metrics.http_reqs" },
        { "jmeter", """{"GET /":{"sampleCount":1}}""", "Total" },
        { "gatling", """{"stats":{"name":"All Requests"}}""", "stats.numberOfRequests" },
        { "locust", """[]""", "[0]" },
        { "locust", """{"user_count":3}""", "stats" },
        { "artillery", """{"aggregate":{}}""", "aggregate.counters" },
        { "artillery", """{"intermediate":[]}""", "aggregate" },
        { "azureloadtesting", """{"testRunStatistics":{"Total":{}}}""", "status" },
        { "azureloadtesting", """{"status":"DONE"}""", "testRunStatistics" },
        { "k6", """[1,2]""", "$" },
        { "k6", """{"metrics":""", "body" },
        { "jmeter", "", "body" },
    };

    [Theory]
    [MemberData(nameof(MissingParts))]
    public void A_document_missing_a_required_part_is_rejected_naming_it(string tool, string body, string field)
    {
        Assert.True(LoadTestParserCatalog.Default.TryGet(tool, out var parser));
        var problem = Reject(parser, Request(body, Query(("guardian", "checkout"), ("start", "2026-11-24T10:00:00Z"))));
        Assert.Equal(field, problem.Field);
    }

    [Fact]
    public void Nesting_deeper_than_64_levels_is_rejected_as_malformed_body()
    {
        var body = new string('[', 65) + new string(']', 65);
        var problem = Reject(new LocustStatsParser(), Request(body, Query(("guardian", "checkout"))));
        Assert.Equal("body", problem.Field);
    }

    [Fact]
    public void The_catalog_finds_every_tool_ignoring_case_and_nothing_else()
    {
        foreach (var tool in new[] { "k6", "JMeter", "gatling", "LOCUST", "artillery", "AzureLoadTesting" })
        {
            Assert.True(LoadTestParserCatalog.Default.TryGet(tool, out var parser));
            Assert.Equal(tool.ToLowerInvariant(), parser.Tool);
        }

        Assert.False(LoadTestParserCatalog.Default.TryGet("wrk", out _));
        Assert.False(LoadTestParserCatalog.Default.TryGet(null, out _));
        Assert.Equal(6, LoadTestParserCatalog.Default.Tools.Count);
    }

    [Fact]
    public void The_service_collection_extension_registers_all_six_parsers_and_the_catalog()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddLoadTestParsers().AddLoadTestParsers();
        using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        var parsers = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetServices<ILoadTestResultParser>(provider).ToList();
        var catalog = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<LoadTestParserCatalog>(provider);

        Assert.Equal(6, parsers.Count);
        Assert.True(catalog.TryGet("artillery", out var artillery));
        Assert.IsType<ArtilleryReportParser>(artillery);
    }
}
