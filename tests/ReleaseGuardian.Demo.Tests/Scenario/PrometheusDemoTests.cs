using System.Net.Http.Json;
using System.Text.Json;
using ReleaseGuardian.Cli.Demo;
using ReleaseGuardian.Demo.Emulation;
using ReleaseGuardian.Demo.Scenario;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Demo.Tests.Scenario;

/// <summary>
/// <c>guardian demo --metrics prometheus</c>: the same story, with every signal measured by a real Prometheus
/// (installed by eng/test.sh) that scrapes the checkout service's OpenTelemetry Prometheus exporter.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PrometheusDemoTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task With_metrics_from_a_real_Prometheus_the_demo_still_catches_the_bad_change_and_rolls_it_back()
    {
        RealSystem.Require(RealSystem.Prometheus, "Prometheus");
        Assert.True(PrometheusServer.FindExecutable() is not null, "the demo looks for 'prometheus' on PATH; eng/test.sh installs Debian's");
        var work = Directory.CreateTempSubdirectory("rg-demo-prometheus-");
        JsonElement guardian = default, validation = default;

        var session = await DemoHost.RunAsync(new DemoHostOptions
        {
            StorageConnectionString = azurite.ConnectionString,
            WorkDirectory = work.FullName,
            RequestsPerSecond = 40,
            LoadDuration = TimeSpan.FromSeconds(3),
            Metrics = "prometheus",
            BeforeShutdown = async (demo, ct) =>
            {
                using var http = new HttpClient { BaseAddress = demo.ServerAddress };
                http.DefaultRequestHeaders.Add("x-functions-key", demo.ApiKey);
                guardian = await http.GetFromJsonAsync<JsonElement>("api/guardians/checkout", ct);
                validation = await http.GetFromJsonAsync<JsonElement>("api/guardians/checkout/runs/lt-validate-1", ct);
            },
        }, new SilentDemoProgress(), CancellationToken.None);

        Assert.True(session.Outcome.Succeeded, string.Join("; ", session.Outcome.Problems));
        var metrics = guardian.TryGetProperty("definition", out var definition) ? definition.GetProperty("metrics") : guardian.GetProperty("metrics");
        Assert.Equal("prometheus", metrics.GetProperty("source").GetString());
        Assert.StartsWith("http://127.0.0.1:", metrics.GetProperty("url").GetString());
        var errorRate = validation.GetProperty("verdict").GetProperty("objectives").EnumerateArray()
            .Single(o => o.GetProperty("name").GetString() == "error rate");
        Assert.Equal("fail", errorRate.GetProperty("status").GetString());
        // Measured by Prometheus through the default queries, which name the convention they matched.
        Assert.Contains("# convention: http_server_request_duration_seconds", errorRate.GetProperty("explanation").GetString());
    }
}
