using ReleaseGuardian.Application.Metrics;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Signals;
using static ReleaseGuardian.Infrastructure.Tests.Metrics.MetricsTestSupport;

namespace ReleaseGuardian.Infrastructure.Tests.Metrics;

public sealed class LoadTestMetricsSourceTests
{
    [Fact]
    public async Task Signals_come_from_the_load_test_result_and_a_missing_one_is_a_named_failure()
    {
        await using var services = Services();
        var guardian = Guardian(MetricsSourceSpec.LoadTest, SignalNames.LatencyP95, SignalNames.ErrorsRate, SignalNames.TrafficRequests);
        var measured = await MeasureAsync(services, Request(guardian, new Dictionary<string, double>
        {
            [SignalNames.ErrorsRate] = 0.12,
            [SignalNames.TrafficRequests] = 1158,
        }));

        Assert.Equal(0.12, measured.Values[SignalNames.ErrorsRate]);
        Assert.Equal(1158, measured.Values[SignalNames.TrafficRequests]);
        Assert.Equal("the load-test result carries no latency.p95", measured.Failures[SignalNames.LatencyP95]);
        Assert.False(measured.Values.ContainsKey(SignalNames.LatencyP95));
        Assert.Empty(measured.Queries);
    }

    [Fact]
    public async Task A_run_without_load_test_signals_fails_every_signal()
    {
        await using var services = Services();
        var guardian = Guardian(MetricsSourceSpec.LoadTest, SignalNames.LatencyP95);
        var measured = await MeasureAsync(services, Request(guardian));

        Assert.Empty(measured.Values);
        Assert.Equal("the run carries no load-test signals", measured.Failures[SignalNames.LatencyP95]);
    }

    [Fact]
    public async Task A_non_finite_load_test_value_is_a_failure_not_a_value()
    {
        await using var services = Services();
        var guardian = Guardian(MetricsSourceSpec.LoadTest, SignalNames.LatencyP95);
        var measured = await MeasureAsync(services, Request(guardian, new Dictionary<string, double> { [SignalNames.LatencyP95] = double.NaN }));

        Assert.Empty(measured.Values);
        Assert.Contains("not a finite number", measured.Failures[SignalNames.LatencyP95]);
    }

    [Fact]
    public async Task An_unknown_source_fails_every_signal_with_the_source_named()
    {
        await using var services = Services();
        var guardian = Guardian(new MetricsSourceSpec("datadog"), SignalNames.LatencyP95, SignalNames.ErrorsRate);
        var measured = await MeasureAsync(services, Request(guardian));

        Assert.Empty(measured.Values);
        Assert.Equal(2, measured.Failures.Count);
        Assert.StartsWith("metrics.source 'datadog' is not available", measured.Failures[SignalNames.ErrorsRate]);
    }

    [Fact]
    public void The_request_asks_for_each_objective_signal_once_with_its_override_and_for_traffic_when_min_requests_is_set()
    {
        var metrics = new MetricsSourceSpec(MetricsSources.Prometheus, "http://p")
        {
            Queries = new Dictionary<string, string> { [SignalNames.LatencyP95] = "spec p95", ["orders"] = "spec orders" },
        };
        var guardian = Guardian(metrics) with
        {
            Objectives =
            [
                new Objective("p95", SignalNames.LatencyP95, Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.None)),
                new Objective("p95 again", SignalNames.LatencyP95, Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.None), Query: "ignored"),
                new Objective("orders", "orders", Direction.HigherIsBetter, new ThresholdSpec(ThresholdMode.None), Query: "objective orders"),
                new Objective("errors", SignalNames.ErrorsRate, Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.None), MinRequests: 100),
            ],
        };

        var signals = Request(guardian).Signals;

        SignalRequest[] expected =
        [
            new("latency.p95", "spec p95"),
            new("orders", "objective orders"),
            new("errors.rate", null),
            new("traffic.requests", null),
        ];
        Assert.Equal(expected, signals);
    }
}

public sealed class MetricsCompositionTests
{
    [Fact]
    public async Task AddMetricsSources_registers_all_three_sources_in_the_catalog()
    {
        await using var services = MetricsTestSupport.Services();
        var catalog = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<MetricsSourceCatalog>(services);

        Assert.Equal(["azuremonitor", "loadtest", "prometheus"], catalog.Kinds.Order(StringComparer.Ordinal));
    }
}
