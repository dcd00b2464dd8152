using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ReleaseGuardian.Demo.Checkout;
using ReleaseGuardian.Demo.Emulation;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.RealSystems;

/// <summary>
/// A real Prometheus (Debian's 2.42, installed by eng/test.sh) scrapes the demo's checkout service, which serves its
/// request metrics through OpenTelemetry's .NET Prometheus exporter; a guardian with <c>metrics.source: prometheus</c>
/// judges a window from it with the default queries.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RealPrometheusTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("rg-prometheus-").FullName;

    [Fact]
    public async Task A_guardian_judges_the_checkout_service_from_a_real_Prometheus_with_the_default_queries_of_the_dotnet_exporter()
    {
        var executable = RealSystem.Require(RealSystem.Prometheus, "Prometheus");
        var flagFile = Path.Combine(_folder, "flags.json");
        File.WriteAllText(flagFile, FlagdFlagFile.Create("new-checkout", on: true));
        await using var checkout = await CheckoutService.StartAsync(flagFile,
            new CheckoutServiceOptions { FailureShareWhenOn = 0.25, ExtraLatencyWhenOn = (5, 20), ExportPrometheus = true });
        await using var prometheus = await PrometheusServer.StartAsync(executable, Path.Combine(_folder, "prometheus"), "checkout", checkout.MetricsUri);

        // A few checkouts first, scraped before the window opens: Prometheus' increase() counts from a series' first
        // sample, so requests made before a series is first scraped would be missing from the window.
        await DriveAsync(checkout.CheckoutUri, requests: 10, TimeSpan.FromSeconds(1));
        await Task.Delay(TimeSpan.FromSeconds(3));

        // Traffic while Prometheus scrapes every second; the window closes after two more scrapes.
        var start = DateTimeOffset.UtcNow.AddSeconds(-1);
        var (sent, failed) = await DriveAsync(checkout.CheckoutUri, requests: 150, TimeSpan.FromSeconds(5));
        Assert.True(failed > 0 && failed < sent, $"{failed} of {sent} checkouts failed; the new checkout should fail about a quarter");
        await Task.Delay(TimeSpan.FromSeconds(3));
        var end = DateTimeOffset.UtcNow;

        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            // Prometheus runs on loopback here; in production the operator allows private metrics sources the same way.
            ["Outbound:AllowPrivateNetworks"] = "true",
        });
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, """
            [{"name":"p95 latency","signal":"latency.p95","direction":"lowerIsBetter","thresholds":{"mode":"static","failure":5000} },
             {"name":"error rate","signal":"errors.rate","direction":"lowerIsBetter","thresholds":{"mode":"static","warning":0.02,"failure":0.05},"key":true },
             {"name":"traffic","signal":"traffic.requests","direction":"higherIsBetter","thresholds":{"mode":"none"} }]
            """, metrics: $$"""{"source":"prometheus","url":"{{prometheus.BaseAddress}}"}"""));

        var response = await scenario.Api.PostAsync("/api/guardians/checkout/evaluations", new StringContent(
            $$"""{"start":"{{start.ToString("O", CultureInfo.InvariantCulture)}}","end":"{{end.ToString("O", CultureInfo.InvariantCulture)}}"}""",
            Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var instanceId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var status = await scenario.WaitForCompletionAsync(instanceId);

        // A quarter of the checkouts failed: No-Go on the key error-rate objective, measured, not inconclusive.
        Assert.True(status.GetProperty("output").GetProperty("decision").GetString() == "nogo", status.GetRawText());
        var runId = status.GetProperty("output").GetProperty("runId").GetString()!;
        var run = await scenario.GetJsonAsync($"/api/guardians/checkout/runs/{runId}");
        var objectives = run.GetProperty("verdict").GetProperty("objectives").EnumerateArray()
            .ToDictionary(o => o.GetProperty("name").GetString()!, o => o);

        foreach (var (name, signal) in new[] { ("p95 latency", "latency.p95"), ("error rate", "errors.rate"), ("traffic", "traffic.requests") })
        {
            var explanation = objectives[name].GetProperty("explanation").GetString()!;
            // The evidence names the convention the default queries matched: the .NET exporter's names, and the
            // service found through target_info or job (the exporter puts service.name on target_info only).
            Assert.True(explanation.Contains("# convention: http_server_request_duration_seconds (.NET Prometheus exporter", StringComparison.Ordinal), explanation);
            var query = explanation[(explanation.IndexOf("[query: ", StringComparison.Ordinal) + "[query: ".Length)..].TrimEnd(']');

            // The stored value is what the real Prometheus answers to the query in the evidence, run again by hand.
            var again = await prometheus.QueryAsync(query, end);
            Assert.Equal(again, run.GetProperty("signals").GetProperty(signal).GetDouble(), 6);
        }

        var measuredErrorRate = run.GetProperty("signals").GetProperty("errors.rate").GetDouble();
        Assert.InRange(measuredErrorRate, 0.05, 0.6);
        // Prometheus extrapolates increase() to the window and also counts its own scrapes of /metrics.
        Assert.InRange(run.GetProperty("signals").GetProperty("traffic.requests").GetDouble(), sent * 0.6, sent * 2.0);
    }

    private static async Task<(int Sent, int Failed)> DriveAsync(Uri checkout, int requests, TimeSpan over)
    {
        using var http = new HttpClient();
        var failed = 0;
        var pause = over / requests;
        for (var i = 0; i < requests; i++)
        {
            using var response = await http.PostAsync(checkout, new StringContent("""{"items":1}""", Encoding.UTF8, "application/json"));
            if (response.StatusCode == HttpStatusCode.InternalServerError)
            {
                failed++;
            }

            await Task.Delay(pause);
        }

        return (requests, failed);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Prometheus' files may still be closing; the OS cleans temp folders.
        }
    }
}
