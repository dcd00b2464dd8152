using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ReleaseGuardian.Demo.Checkout;
using ReleaseGuardian.Demo.Emulation;
using Microsoft.AspNetCore.Http;
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
        var start = await ScrapedAfterAsync(prometheus, DateTimeOffset.UtcNow.AddSeconds(1));

        // Traffic while Prometheus scrapes every second; the window closes once two more scrapes have really happened
        // (on a loaded machine scrapes run late, so the test waits for them rather than for a fixed time).
        var (sent, failed) = await DriveAsync(checkout.CheckoutUri, requests: 150, TimeSpan.FromSeconds(5));
        Assert.True(failed > 0 && failed < sent, $"{failed} of {sent} checkouts failed; the new checkout should fail about a quarter");
        var end = (await ScrapedAfterAsync(prometheus, DateTimeOffset.UtcNow.AddSeconds(2))).AddMilliseconds(500);
        start = start.AddMilliseconds(-500);

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
        // Counted, and never more than were made: Prometheus extrapolates increase() over the scrapes it got (fewer on a
        // busy machine) and also counts its own scrapes of /metrics; the exact value is Prometheus' own, checked above.
        Assert.InRange(run.GetProperty("signals").GetProperty("traffic.requests").GetDouble(), 1, (sent + 60) * 1.5);
    }

    [Fact]
    public async Task The_default_queries_find_a_service_named_only_on_target_info_with_the_JS_exporters_unsuffixed_histogram()
    {
        var executable = RealSystem.Require(RealSystem.Prometheus, "Prometheus");
        // What OpenTelemetry JS's Prometheus exporter serves for an HTTP server (its PrometheusSerializer.ts in
        // open-telemetry/opentelemetry-js experimental/packages/opentelemetry-exporter-prometheus): the name only
        // sanitised (no _seconds), count and sum before the buckets, the scope as otel_scope_name, and the resource
        // (service.name) on target_info alone. The counts grow with time: 8 answered and 2 failed checkouts a
        // second, each taking 30 ms, so p95 is interpolated inside the (0.025, 0.05] bucket.
        var started = DateTime.UtcNow;
        await using var node = await LoopbackServer.StartAsync(async (_, context) =>
        {
            var seconds = Math.Floor((DateTime.UtcNow - started).TotalSeconds * 10) / 10;
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await context.Response.WriteAsync(JsExporterText(ok: 8 * seconds, failed: 2 * seconds));
        });
        // The scrape job is not named after the service: only target_info says which service this is.
        await using var prometheus = await PrometheusServer.StartAsync(executable, Path.Combine(_folder, "prometheus-js"), "node-shop", new Uri(node.BaseAddress, "metrics"));
        // Several scrapes, so rate() over the window has samples to work with even when scrapes come late on a busy machine.
        await Task.Delay(TimeSpan.FromSeconds(10));
        var end = DateTimeOffset.UtcNow;

        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Outbound:AllowPrivateNetworks"] = "true" });
        await scenario.PutGuardianAsync("cart", $$"""
            {"id":"cart","displayName":"Cart (Node.js)","service":"cart",
             "metrics":{"source":"prometheus","url":"{{prometheus.BaseAddress}}"},
             "objectives":[{"name":"p95 latency","signal":"latency.p95","direction":"lowerIsBetter","thresholds":{"mode":"static","failure":500} },
                           {"name":"error rate","signal":"errors.rate","direction":"lowerIsBetter","thresholds":{"mode":"static","failure":0.05} }],
             "policy":{"rollbackOn":["nogo"],"notify":[]} }
            """);
        var response = await scenario.Api.PostAsync("/api/guardians/cart/evaluations", new StringContent(
            $$"""{"start":"{{end.AddSeconds(-8).ToString("O", CultureInfo.InvariantCulture)}}","end":"{{end.ToString("O", CultureInfo.InvariantCulture)}}"}""",
            Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var status = await scenario.WaitForCompletionAsync((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);

        var output = status.GetProperty("output");
        var run = await scenario.GetJsonAsync($"/api/guardians/cart/runs/{output.GetProperty("runId").GetString()}");
        Assert.True(output.GetProperty("decision").GetString() == "nogo", run.GetRawText());
        Assert.Equal(0.2, run.GetProperty("signals").GetProperty("errors.rate").GetDouble(), 3);
        Assert.Equal(25 + (0.95 * 25), run.GetProperty("signals").GetProperty("latency.p95").GetDouble(), 3);
        var explanation = run.GetProperty("verdict").GetProperty("objectives")[0].GetProperty("explanation").GetString()!;
        Assert.Contains("# convention: http_server_request_duration (OpenTelemetry JS Prometheus exporter", explanation);
        Assert.Contains("service only on target_info", explanation);
    }

    // One scrape of a Node.js service instrumented with OpenTelemetry JS (semantic conventions 1.23+ names and units).
    private static string JsExporterText(double ok, double failed)
    {
        static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
        var text = new StringBuilder("""
            # HELP target_info Target metadata
            # TYPE target_info gauge
            target_info{service_name="cart",telemetry_sdk_language="nodejs",telemetry_sdk_name="opentelemetry",telemetry_sdk_version="2.0.1"} 1
            # HELP http_server_request_duration Duration of HTTP server requests.
            # UNIT http_server_request_duration s
            # TYPE http_server_request_duration histogram

            """.Replace("\r", "", StringComparison.Ordinal));
        foreach (var (code, count) in new[] { ("200", ok), ("500", failed) })
        {
            var labels = $"http_request_method=\"POST\",http_route=\"/cart\",http_response_status_code=\"{code}\",otel_scope_name=\"@opentelemetry/instrumentation-http\",otel_scope_version=\"0.200.0\"";
            text.Append(CultureInfo.InvariantCulture, $"http_server_request_duration_count{{{labels}}} {F(count)}\n");
            text.Append(CultureInfo.InvariantCulture, $"http_server_request_duration_sum{{{labels}}} {F(count * 0.03)}\n");
            foreach (var le in new[] { "0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "+Inf" })
            {
                var inBucket = double.Parse(le == "+Inf" ? "1" : le, CultureInfo.InvariantCulture) >= 0.03 || le == "+Inf" ? count : 0;
                text.Append(CultureInfo.InvariantCulture, $"http_server_request_duration_bucket{{{labels},le=\"{le}\"}} {F(inBucket)}\n");
            }
        }

        return text.ToString();
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

    // The time of the first scrape of the checkout job at or after <paramref name="after"/>, waited for (at most a minute).
    private static async Task<DateTimeOffset> ScrapedAfterAsync(PrometheusServer prometheus, DateTimeOffset after)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            // Before the first scrape there is no series at all, and QueryAsync refuses an answer without exactly one.
            DateTimeOffset? scraped = null;
            try
            {
                scraped = DateTimeOffset.FromUnixTimeMilliseconds((long)(await prometheus.QueryAsync("timestamp(up{job=\"checkout\"})", DateTimeOffset.UtcNow) * 1000));
            }
            catch (InvalidOperationException)
            {
            }

            if (scraped >= after)
            {
                return scraped.Value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Prometheus did not scrape the checkout after {after:O} within a minute (last scrape {scraped:O})");
            await Task.Delay(200);
        }
    }
}
