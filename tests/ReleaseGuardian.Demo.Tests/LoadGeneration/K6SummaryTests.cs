using System.Text.Json;
using CsCheck;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Signals;
using ReleaseGuardian.Demo.LoadGeneration;
using ReleaseGuardian.Infrastructure.Ingestion.LoadTests;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Demo.Tests.LoadGeneration;

public sealed class K6SummaryTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Release_Guardians_k6_parser_reads_back_what_the_summary_says()
    {
        Gen.Select(Gen.Double[0.5, 2000].Array[1, 400], Gen.Int[0, 400], Gen.Int[500, 60_000]).Sample((latencies, failures, ms) =>
        {
            failures = Math.Min(failures, latencies.Length);
            var result = new LoadTestResult(Start, Start.AddMilliseconds(ms), latencies, failures);

            var signals = Parse(K6Summary.ToJson(result));

            var sorted = latencies.Order().ToArray();
            Assert.Equal(latencies.Length, signals[SignalNames.TrafficRequests]);
            Assert.Equal(failures, signals[SignalNames.ErrorsCount]);
            Assert.Equal(failures / (double)latencies.Length, signals[SignalNames.ErrorsRate], 9);
            Assert.Equal(Math.Round(K6Summary.Percentile(sorted, 0.95), 3), signals[SignalNames.LatencyP95], 9);
            Assert.Equal(Math.Round(K6Summary.Percentile(sorted, 0.5), 3), signals[SignalNames.LatencyP50], 9);
            Assert.True(signals[SignalNames.LatencyP95] <= sorted[^1] + 0.001);
            Assert.Equal(Math.Round(latencies.Length / (ms / 1000.0), 3), signals[SignalNames.TrafficRps], 6);
        });
    }

    [Theory]
    [InlineData(new double[] { 10, 20, 30, 40 }, 0.5, 25)]
    [InlineData(new double[] { 10, 20, 30, 40 }, 0.95, 38.5)]
    [InlineData(new double[] { 7 }, 0.95, 7)]
    public void Percentiles_interpolate_between_order_statistics(double[] sorted, double p, double expected)
    {
        Assert.Equal(expected, K6Summary.Percentile(sorted, p), 9);
    }

    [Fact]
    public async Task The_load_generator_starts_every_request_of_the_profile_and_counts_the_failed_ones()
    {
        var calls = 0;
        await using var target = await LoopbackServer.StartAsync(async (_, http) =>
        {
            http.Response.StatusCode = Interlocked.Increment(ref calls) % 4 == 0 ? 500 : 200;
            await http.Response.WriteAsync("{}");
        });
        using var client = new HttpClient();
        var reports = 0;

        var result = await ConstantRateLoad.RunAsync(
            client, new Uri(target.BaseAddress, "checkout"), new LoadProfile(25, TimeSpan.FromSeconds(1)), new Counting(() => Interlocked.Increment(ref reports)));

        Assert.Equal(25, result.Requests);
        Assert.Equal(6, result.Failures);
        Assert.Equal(25, reports);
        Assert.Equal(25, target.Requests.Count);
        Assert.All(target.Requests, r => Assert.Equal("POST", r.Method));
        Assert.True(result.End > result.Start);
    }

    private static Dictionary<string, double> Parse(byte[] summary)
    {
        var request = new WebhookRequest(summary, new Dictionary<string, string>(),
            new Dictionary<string, string> { ["guardian"] = "checkout", ["end"] = "2026-11-24T10:05:00Z" }, "application/json");
        var outcome = new K6SummaryParser().Parse(request, Start);
        var accepted = Assert.IsType<LoadTestParseOutcome.Accepted>(outcome);
        return new Dictionary<string, double>(accepted.Result.Signals!);
    }

    private sealed class Counting(Action onReport) : IProgress<LoadProgress>
    {
        public void Report(LoadProgress value) => onReport();
    }
}
