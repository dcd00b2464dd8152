using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Infrastructure.Metrics.Prometheus;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Workflow;

/// <summary>
/// Guardians that measure through Prometheus (a loopback server answering in the real /api/v1/query shape):
/// a source that cannot measure makes the verdict Inconclusive, never Go, and rolls back only when the policy
/// says so; a source that answers gives a verdict on its values with the queries as evidence.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class MetricsSourceWorkflowTests(AzuriteFixture azurite)
{
    private const string BadChange = "65a1f0c2e4b0a1d2c3f4a5c6";
    private const string NoData = """{"status":"success","data":{"resultType":"vector","result":[]}}""";

    private const string PrometheusObjectives = """
        [{"name":"p95 latency","signal":"latency.p95","direction":"lowerIsBetter","thresholds":{"mode":"static","warning":600,"failure":800} },
         {"name":"error rate","signal":"errors.rate","direction":"lowerIsBetter","thresholds":{"mode":"static","warning":0.02,"failure":0.05},"key":true },
         {"name":"traffic","signal":"traffic.requests","direction":"higherIsBetter","thresholds":{"mode":"static","failure":500} }]
        """;

    [Fact]
    public async Task A_Prometheus_without_data_makes_the_verdict_inconclusive_notifies_and_does_not_roll_back()
    {
        await using var prometheus = await LoopbackServer.StartAsync(200, NoData);
        await using var scenario = await Scenario.StartAsync(azurite);

        var (status, run) = await JudgeBadChangeAsync(scenario, prometheus, timeoutSeconds: 5, rollbackOn: """["nogo"]""");

        AssertInconclusiveWithErrors(status, run, "no data");
        Assert.False(status.GetProperty("output").TryGetProperty("rollback", out var rollback) && rollback.ValueKind != JsonValueKind.Null);
        Assert.Empty(scenario.Rollbacks);
        Assert.All(prometheus.Requests, r => Assert.Equal("/api/v1/query", r.Path));
        // One probe for the service's series found none under any naming convention; nothing more was asked.
        Assert.Contains(PrometheusQueries.ConventionLabel, Assert.Single(prometheus.Requests).Query);
        var notification = Assert.Single(await scenario.NotificationsAsync("checkout"));
        Assert.Equal("inconclusive", notification.GetProperty("kind").GetString());
        Assert.Contains("policy rolls back on nogo only", notification.GetProperty("message").GetProperty("action").GetProperty("summary").GetString());
        Assert.Equal("inconclusive", JsonDocument.Parse(Assert.Single(scenario.Hook.Requests).BodyText).RootElement.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task A_Prometheus_that_hangs_past_the_timeout_makes_the_verdict_inconclusive_with_the_timeout_as_reason()
    {
        await using var prometheus = await LoopbackServer.StartAsync(async (_, context) =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(20), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await context.Response.WriteAsync(NoData);
        });
        await using var scenario = await Scenario.StartAsync(azurite);

        var (status, run) = await JudgeBadChangeAsync(scenario, prometheus, timeoutSeconds: 1, rollbackOn: """["nogo"]""");

        AssertInconclusiveWithErrors(status, run, "timed out after 1s");
        Assert.Empty(scenario.Rollbacks);
        Assert.Equal("inconclusive", Assert.Single(await scenario.NotificationsAsync("checkout")).GetProperty("kind").GetString());
    }

    [Fact]
    public async Task An_inconclusive_verdict_rolls_the_change_back_when_the_policy_says_so()
    {
        await using var prometheus = await LoopbackServer.StartAsync(200, NoData);
        await using var scenario = await Scenario.StartAsync(azurite);

        var (status, run) = await JudgeBadChangeAsync(scenario, prometheus, timeoutSeconds: 5, rollbackOn: """["nogo","inconclusive"]""");

        AssertInconclusiveWithErrors(status, run, "no data");
        Assert.Equal("rolled-back", status.GetProperty("output").GetProperty("rollback").GetProperty("result").GetString());
        var patch = Assert.Single(scenario.Rollbacks);
        using var body = JsonDocument.Parse(patch.BodyText);
        Assert.Equal("turnFlagOff", Assert.Single(body.RootElement.GetProperty("instructions").EnumerateArray()).GetProperty("kind").GetString());
        Assert.Equal("rollback", Assert.Single(await scenario.NotificationsAsync("checkout")).GetProperty("kind").GetString());
    }

    [Fact]
    public async Task A_Prometheus_that_answers_gives_a_Go_on_its_values_with_the_queries_as_evidence()
    {
        await using var prometheus = await LoopbackServer.StartAsync(async (request, context) =>
        {
            var query = Uri.UnescapeDataString(request.Query.TrimStart('?').Split('&').Single(p => p.StartsWith("query=")).Substring(6));
            context.Response.ContentType = "application/json";
            if (query.Contains(PrometheusQueries.ConventionLabel, StringComparison.Ordinal))
            {
                // The probe: the service's series follow the first convention (the .NET exporter's names, service_name).
                await context.Response.WriteAsync($$$"""
                    {"status":"success","data":{"resultType":"vector","result":[{"metric":{"{{{PrometheusQueries.ConventionLabel}}}":"0"},"value":[1795514520,"60"]}]}}
                    """);
                return;
            }

            var value = query switch
            {
                _ when query.StartsWith("histogram_quantile(0.95,", StringComparison.Ordinal) => "287.4",
                _ when query.Contains("=~\"5..\"", StringComparison.Ordinal) => "0.0042",
                _ when query.StartsWith("sum(increase(", StringComparison.Ordinal) => "1180",
                _ => null,
            };
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(value is null ? NoData : $$$"""
                {"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795514520,"{{{value}}}"]}]}}
                """);
        });
        await using var scenario = await Scenario.StartAsync(azurite);
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, PrometheusObjectives,
            metrics: $$"""{"source":"prometheus","url":"{{prometheus.BaseAddress}}"}"""));

        var status = await scenario.PostK6AndWaitAsync("checkout", "validate-1", "validation", Scenario.Base.AddMinutes(1), 1150, errorRate: 0.12);

        // The k6 summary said 12% errors; the guardian measures through Prometheus, which says 0.42%.
        var output = status.GetProperty("output");
        Assert.Equal("go", output.GetProperty("decision").GetString());
        Assert.Equal("pass", output.GetProperty("status").GetString());
        var run = await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-validate-1");
        Assert.Equal(287.4, run.GetProperty("signals").GetProperty("latency.p95").GetDouble(), 6);
        Assert.Equal(0.0042, run.GetProperty("signals").GetProperty("errors.rate").GetDouble(), 6);
        Assert.Equal(1180, run.GetProperty("signals").GetProperty("traffic.requests").GetDouble(), 6);
        var objectives = Objectives(run);
        Assert.Equal(287.4, objectives["p95 latency"].GetProperty("value").GetDouble(), 6);
        Assert.Equal(0.0042, objectives["error rate"].GetProperty("value").GetDouble(), 6);
        Assert.All(objectives.Values, o => Assert.Equal("pass", o.GetProperty("status").GetString()));
        Assert.Contains("histogram_quantile(0.95, sum by (le) (rate(http_server_request_duration_seconds_bucket{service_name=\"checkout\"}[60s]))) * 1000",
            objectives["p95 latency"].GetProperty("explanation").GetString());
        Assert.Contains("http_response_status_code=~\"5..\"", objectives["error rate"].GetProperty("explanation").GetString());
        Assert.Contains("sum(increase(http_server_request_duration_seconds_count{service_name=\"checkout\"}[60s]))",
            objectives["traffic"].GetProperty("explanation").GetString());

        // Each query is an instant query at the window's end.
        var end = Scenario.Base.AddMinutes(2).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        Assert.Equal(4, prometheus.Requests.Count);
        Assert.All(prometheus.Requests, r => Assert.Contains("time=" + end, r.Query));
        Assert.Contains("# convention: http_server_request_duration_seconds (.NET Prometheus exporter", objectives["p95 latency"].GetProperty("explanation").GetString());
        Assert.Empty(await scenario.NotificationsAsync("checkout"));
    }

    private static async Task<(JsonElement Status, JsonElement Run)> JudgeBadChangeAsync(
        Scenario scenario, LoopbackServer prometheus, int timeoutSeconds, string rollbackOn)
    {
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, PrometheusObjectives,
            metrics: $$"""{"source":"prometheus","url":"{{prometheus.BaseAddress}}","timeoutSeconds":{{timeoutSeconds}}}""", rollbackOn: rollbackOn));
        await scenario.PostLaunchDarklyAsync(Scenario.LaunchDarklyToggle(BadChange, Scenario.Base.AddSeconds(30), turnOn: true));
        var status = await scenario.PostK6AndWaitAsync("checkout", "validate-1", "validation", Scenario.Base.AddMinutes(1), 1150, errorRate: 0);
        var run = await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-validate-1");
        Assert.Equal(BadChange, run.GetProperty("changeUnderTest").GetProperty("changeId").GetString());
        return (status, run);
    }

    private static void AssertInconclusiveWithErrors(JsonElement status, JsonElement run, string reason)
    {
        // The k6 summary was healthy, but the guardian measures through Prometheus: unmeasured is never Go.
        Assert.Equal("inconclusive", status.GetProperty("output").GetProperty("decision").GetString());
        Assert.Equal("error", status.GetProperty("output").GetProperty("status").GetString());
        Assert.Equal("inconclusive", run.GetProperty("verdict").GetProperty("decision").GetString());
        var headline = status.GetProperty("output").GetProperty("headline").GetString()!;
        foreach (var (name, objective) in Objectives(run))
        {
            // The headline names the objective once (it used to read "p95 latency: p95 latency: ...").
            Assert.DoesNotContain($"{name}: {name}:", headline, StringComparison.Ordinal);
            Assert.False(objective.GetProperty("explanation").GetString()!.StartsWith(name + ":", StringComparison.Ordinal));
            Assert.Equal("error", objective.GetProperty("status").GetString());
            var explanation = objective.GetProperty("explanation").GetString()!;
            Assert.Contains("could not be measured", explanation);
            Assert.Contains(reason, explanation);
        }
    }

    private static Dictionary<string, JsonElement> Objectives(JsonElement run) =>
        run.GetProperty("verdict").GetProperty("objectives").EnumerateArray()
            .ToDictionary(o => o.GetProperty("name").GetString()!, o => o);
}
