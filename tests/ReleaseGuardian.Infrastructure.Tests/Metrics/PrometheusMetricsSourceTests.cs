using System.Web;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Signals;
using ReleaseGuardian.Infrastructure.Metrics.Prometheus;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Metrics.MetricsTestSupport;

namespace ReleaseGuardian.Infrastructure.Tests.Metrics;

public sealed class PrometheusMetricsSourceTests
{
    private const string Vector = """
        {"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795514460,"512.25"]}]}}
        """;

    private static MetricsSourceSpec Spec(LoopbackServer server, double? timeout = null, Dictionary<string, string>? queries = null) =>
        new(MetricsSources.Prometheus, Url: server.BaseAddress + "prom", TimeoutSeconds: timeout)
        {
            Queries = queries ?? new Dictionary<string, string>(),
        };

    private static string PromQl(RecordedRequest request) => HttpUtility.ParseQueryString(request.Query)["query"]!;

    // The one query that asks which naming convention the service's series follow (PrometheusQueries.Probe).
    private static bool IsProbe(RecordedRequest request) => PromQl(request).Contains(PrometheusQueries.ConventionLabel, StringComparison.Ordinal);

    [Fact]
    public async Task A_vector_answer_becomes_the_value_and_the_default_p95_query_is_an_instant_query_at_the_window_end()
    {
        await using var server = await LoopbackServer.StartAsync((_, context) => Json(context, Vector));
        await using var services = Services();

        var measured = await MeasureAsync(services, Request(Guardian(Spec(server), SignalNames.LatencyP95)));

        Assert.Equal(512.25, measured.Values[SignalNames.LatencyP95]);
        // The stand-in's answer to the probe names no convention, so the first one is used.
        Assert.Single(server.Requests, IsProbe);
        var request = Assert.Single(server.Requests, r => !IsProbe(r));
        Assert.Equal("GET", request.Method);
        Assert.Equal("/prom/api/v1/query", request.Path);
        const string expected = "histogram_quantile(0.95, sum by (le) (rate(http_server_request_duration_seconds_bucket{service_name=\"checkout\"}[60s]))) * 1000";
        Assert.Equal(expected, PromQl(request));
        Assert.Equal(EndUnix, HttpUtility.ParseQueryString(request.Query)["time"]);
        // Unconfirmed by the probe, the evidence names no convention.
        Assert.Equal(expected, measured.Queries[SignalNames.LatencyP95]);
    }

    [Fact]
    public async Task The_default_queries_for_errors_and_traffic_follow_the_http_server_semantic_conventions()
    {
        await using var server = await LoopbackServer.StartAsync((_, context) => Json(context, Vector));
        await using var services = Services();
        var guardian = Guardian(Spec(server), SignalNames.ErrorsRate, SignalNames.ErrorsCount, SignalNames.TrafficRequests, SignalNames.TrafficRps, SignalNames.LatencyAvg);

        var measured = await MeasureAsync(services, Request(guardian));

        Assert.Equal(5, measured.Values.Count);
        var sent = server.Requests.Select(PromQl).ToHashSet();
        const string all = "http_server_request_duration_seconds_count{service_name=\"checkout\"}[60s]";
        const string errors = "http_server_request_duration_seconds_count{service_name=\"checkout\",http_response_status_code=~\"5..\"}[60s]";
        Assert.Contains($"(sum(rate({errors})) or vector(0)) / sum(rate({all}))", sent);
        Assert.Contains($"(sum(increase({errors})) or vector(0)) and on() sum(increase({all}))", sent);
        Assert.Contains($"sum(increase({all}))", sent);
        Assert.Contains($"sum(rate({all}))", sent);
        Assert.Contains(
            "sum(rate(http_server_request_duration_seconds_sum{service_name=\"checkout\"}[60s])) / sum(rate(http_server_request_duration_seconds_count{service_name=\"checkout\"}[60s])) * 1000",
            sent);
    }

    [Theory]
    [InlineData(0, "http_server_request_duration_seconds_bucket{service_name=\"checkout\"}[60s]", " * 1000", ".NET Prometheus exporter")]
    [InlineData(4, "http_server_request_duration_bucket{job=~\"(.+/)?checkout\"}[60s]", " * 1000", "OpenTelemetry JS Prometheus exporter")]
    [InlineData(5, "(rate(http_server_request_duration_bucket[60s]) * on (job, instance) group_left () max by (job, instance) (target_info{service_name=\"checkout\"}))", " * 1000", "only on target_info")]
    [InlineData(6, "http_server_duration_milliseconds_bucket{service_name=\"checkout\"}[60s]", "", "OTLP receiver (milliseconds)")]
    [InlineData(11, "(rate(http_server_duration_bucket[60s]) * on (job, instance) group_left () max by (job, instance) (target_info{service_name=\"checkout\"}))", "", "JS exporter (milliseconds)")]
    public async Task The_default_queries_follow_the_first_naming_convention_the_probe_finds_and_the_evidence_names_it(
        int firstMatch, string bucketSeries, string scale, string named)
    {
        // Prometheus answers the probe with one series per convention that has data: here the given one and the last.
        var probeAnswer = $$$"""
            {"status":"success","data":{"resultType":"vector","result":[
              {"metric":{"{{{PrometheusQueries.ConventionLabel}}}":"11"},"value":[1795514460,"40"]},
              {"metric":{"{{{PrometheusQueries.ConventionLabel}}}":"{{{firstMatch}}}"},"value":[1795514460,"40"]}]}}
            """;
        await using var server = await LoopbackServer.StartAsync((request, context) => Json(context, IsProbe(request) ? probeAnswer : Vector));
        await using var services = Services();

        var measured = await MeasureAsync(services, Request(Guardian(Spec(server), SignalNames.LatencyP95)));

        var query = PromQl(Assert.Single(server.Requests, r => !IsProbe(r)));
        var expected = bucketSeries.StartsWith('(')
            ? $"histogram_quantile(0.95, sum by (le) ({bucketSeries})){scale}"
            : $"histogram_quantile(0.95, sum by (le) (rate({bucketSeries}))){scale}";
        Assert.Equal(expected, query);
        Assert.StartsWith(expected + " # convention: ", measured.Queries[SignalNames.LatencyP95], StringComparison.Ordinal);
        Assert.Contains(named, measured.Queries[SignalNames.LatencyP95], StringComparison.Ordinal);
        Assert.Equal(512.25, measured.Values[SignalNames.LatencyP95]);
    }

    [Fact]
    public async Task When_no_convention_has_series_of_the_service_every_default_signal_fails_saying_what_was_tried_and_nothing_more_is_asked()
    {
        await using var server = await LoopbackServer.StartAsync((_, context) => Json(context, """{"status":"success","data":{"resultType":"vector","result":[]}}"""));
        await using var services = Services();

        var measured = await MeasureAsync(services, Request(Guardian(Spec(server), SignalNames.LatencyP95, SignalNames.ErrorsRate)));

        Assert.True(IsProbe(Assert.Single(server.Requests)));
        foreach (var signal in new[] { SignalNames.LatencyP95, SignalNames.ErrorsRate })
        {
            Assert.StartsWith("no data: Prometheus has no HTTP server request series of service 'checkout'", measured.Failures[signal], StringComparison.Ordinal);
            Assert.Contains("http_server_request_duration_seconds, http_server_request_duration, http_server_duration_milliseconds, http_server_duration", measured.Failures[signal], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_override_has_its_placeholders_filled_in()
    {
        await using var server = await LoopbackServer.StartAsync((_, context) => Json(context, Vector));
        await using var services = Services();
        var spec = Spec(server, queries: new() { ["orders"] = "sum(increase(orders_total{job=\"{service}\"}[{window}] @ {end})) - 0*{start}" });

        var measured = await MeasureAsync(services, Request(Guardian(spec, "orders")));

        Assert.Equal(512.25, measured.Values["orders"]);
        Assert.Equal(
            "sum(increase(orders_total{job=\"checkout\"}[60s] @ 1795514460)) - 0*1795514400",
            PromQl(Assert.Single(server.Requests)));
    }

    [Fact]
    public async Task A_custom_signal_without_a_query_fails_without_a_request()
    {
        await using var server = await LoopbackServer.StartAsync((_, context) => Json(context, Vector));
        await using var services = Services();

        var measured = await MeasureAsync(services, Request(Guardian(Spec(server), "orders")));

        Assert.Contains("custom signal 'orders' needs a PromQL query", measured.Failures["orders"]);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task A_scalar_answer_becomes_the_value()
    {
        await using var server = await LoopbackServer.StartAsync((_, context) =>
            Json(context, """{"status":"success","data":{"resultType":"scalar","result":[1795514460,"0.0125"]}}"""));
        await using var services = Services();

        var measured = await MeasureAsync(services, Request(Guardian(Spec(server), SignalNames.ErrorsRate)));

        Assert.Equal(0.0125, measured.Values[SignalNames.ErrorsRate]);
    }

    [Theory]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[]}}""", 200, "no data")]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795514460,"NaN"]}]}}""", 200, "the value is NaN")]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795514460,"+Inf"]}]}}""", 200, "the value is +Inf")]
    [InlineData("""{"status":"error","errorType":"bad_data","error":"1:14: parse error: unexpected right parenthesis ')'"}""", 200, "bad_data: 1:14: parse error: unexpected right parenthesis ')'")]
    [InlineData("""{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\""}""", 400, "Prometheus refused the query: bad_data: invalid parameter \"query\"")]
    [InlineData("upstream exploded", 500, "Prometheus did not answer the query successfully")]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]}]}}""", 200, "the query returned 2 series; expected one (aggregate it, e.g. with sum)")]
    public async Task An_answer_without_one_finite_number_is_a_failure_with_the_reason(string body, int status, string reason)
    {
        await using var server = await LoopbackServer.StartAsync((_, context) => Json(context, body, status));
        await using var services = Services();

        var measured = await MeasureAsync(services, Request(Guardian(Spec(server), SignalNames.LatencyP95)));

        Assert.Empty(measured.Values);
        // An empty answer already comes from the probe, which says what it looked for after "no data".
        Assert.StartsWith(reason, measured.Failures[SignalNames.LatencyP95], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hanging_server_is_a_timeout_failure_after_the_guardians_timeout()
    {
        await using var server = await LoopbackServer.StartAsync((_, context) => Hang(context));
        await using var services = Services();

        var measured = await MeasureAsync(services, Request(Guardian(Spec(server, timeout: 2), SignalNames.LatencyP95, SignalNames.ErrorsRate)));

        Assert.Empty(measured.Values);
        Assert.Equal("timed out after 2s", measured.Failures[SignalNames.LatencyP95]);
        Assert.Equal("timed out after 2s", measured.Failures[SignalNames.ErrorsRate]);
        // The probe timed out, so the signals' queries were not sent only to wait out the timeout again.
        Assert.True(IsProbe(Assert.Single(server.Requests)));
    }

    [Fact]
    public async Task The_signals_queries_run_concurrently()
    {
        // The server answers only once all three queries are in flight: run one after another, they would time out.
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        await using var server = await LoopbackServer.StartAsync(async (request, context) =>
        {
            if (IsProbe(request))
            {
                await Json(context, Vector);
                return;
            }

            if (Interlocked.Increment(ref arrived) == 3)
            {
                allArrived.TrySetResult();
            }

            await allArrived.Task.WaitAsync(context.RequestAborted);
            await Json(context, Vector);
        });
        await using var services = Services();
        var guardian = Guardian(Spec(server, timeout: 10), SignalNames.LatencyP50, SignalNames.LatencyP95, SignalNames.LatencyP99);

        var measured = await MeasureAsync(services, Request(guardian));

        Assert.Empty(measured.Failures);
        Assert.Equal(3, measured.Values.Count);
    }

    [Fact]
    public async Task A_refused_connection_is_a_failure_not_an_exception()
    {
        Uri address;
        await using (var server = await LoopbackServer.StartAsync())
        {
            address = server.BaseAddress;
        }

        await using var services = Services();
        var spec = new MetricsSourceSpec(MetricsSources.Prometheus, Url: address.ToString(), TimeoutSeconds: 5);

        var measured = await MeasureAsync(services, Request(Guardian(spec, SignalNames.LatencyP95)));

        Assert.StartsWith("the request failed", measured.Failures[SignalNames.LatencyP95]);
        // The transport's message names the address and port; a verdict must not help map internal ports.
        Assert.DoesNotContain(address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), measured.Failures[SignalNames.LatencyP95], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_url_fails_every_signal_naming_the_field()
    {
        await using var services = Services();

        var measured = await MeasureAsync(services, Request(Guardian(new MetricsSourceSpec(MetricsSources.Prometheus), SignalNames.LatencyP95)));

        Assert.StartsWith("metrics.url", measured.Failures[SignalNames.LatencyP95]);
    }
}
