using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Workflow;

/// <summary>
/// What a guardian's timeline shows after a release (flag change, load test, verdict, rollback,
/// notification, newest first), and a Litmus chaos result starting an evaluation whose verdict lands there.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TimelineAndChaosTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Verdicts_and_rollbacks_appear_on_the_timeline_newest_first_with_the_flag_change_and_load_test()
    {
        await using var scenario = await Scenario.StartAsync(azurite);
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, Scenario.StaticObjectives));
        // Real times: the timeline mixes when things happened (flag change, test window) with when they were judged.
        var now = DateTimeOffset.UtcNow;
        var changedAt = new DateTimeOffset(now.UtcDateTime.AddMinutes(-5).Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
        await scenario.PostLaunchDarklyAsync(Scenario.LaunchDarklyToggle("65a1f0c2e4b0a1d2c3f4a5c6", changedAt, turnOn: true));
        var status = await scenario.PostK6AndWaitAsync("checkout", "validate-1", "validation", changedAt.AddMinutes(1), 1150, errorRate: 0.12);
        Assert.Equal("rolled-back", status.GetProperty("output").GetProperty("rollback").GetProperty("result").GetString());

        var timeline = await scenario.GetJsonAsync("/api/guardians/checkout/timeline");
        var entries = timeline.GetProperty("entries").EnumerateArray().ToList();

        Assert.Equal(["notification", "rollback", "verdict", "loadTest", "flagChange"], entries.Select(e => e.GetProperty("kind").GetString()));
        var times = entries.Select(e => e.GetProperty("time").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);
        Assert.Equal(changedAt, times[^1]);

        var verdict = entries[2];
        Assert.Equal("lt-validate-1", verdict.GetProperty("id").GetString());
        Assert.StartsWith("No-Go on checkout", verdict.GetProperty("summary").GetString());
        Assert.Equal("nogo", verdict.GetProperty("data").GetProperty("decision").GetString());
        var rollback = entries[1];
        Assert.Equal("rolled-back", rollback.GetProperty("data").GetProperty("result").GetString());
        Assert.Contains("new-checkout", rollback.GetProperty("summary").GetString());
        var notification = entries[0];
        var stored = Assert.Single(await scenario.NotificationsAsync("checkout"));
        Assert.Equal(stored.GetProperty("id").GetString(), notification.GetProperty("id").GetString());
        Assert.Contains("grace@example.org", entries[4].GetRawText());

        var page = await scenario.GetJsonAsync("/api/guardians/checkout/timeline?pageSize=2");
        Assert.Equal(["notification", "rollback"], page.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
        var rest = await scenario.GetJsonAsync($"/api/guardians/checkout/timeline?pageSize=10&continuation={Uri.EscapeDataString(page.GetProperty("continuation").GetString()!)}");
        Assert.Equal(["verdict", "loadTest", "flagChange"], rest.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));

        Assert.Equal(HttpStatusCode.NotFound, (await scenario.Api.GetAsync("/api/guardians/nobody/timeline")).StatusCode);
    }

    [Fact]
    public async Task A_Litmus_chaos_result_starts_an_evaluation_for_its_guardian_and_the_verdict_appears_on_the_timeline()
    {
        await using var prometheus = await LoopbackServer.StartAsync(async (_, context) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795514590,"0.001"]}]}}""");
        });
        await using var scenario = await Scenario.StartAsync(azurite);
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, """
            [{"name":"error rate","signal":"errors.rate","direction":"lowerIsBetter","thresholds":{"mode":"static","warning":0.02,"failure":0.05}}]
            """, metrics: $$"""{"source":"prometheus","url":"{{prometheus.BaseAddress}}"}"""));

        var response = await scenario.PostCloudEventAsync("""
            {"specversion":"1.0","id":"shop/checkout-chaos-pod-delete/3","source":"/k8s/shop","type":"releaseguardian.chaos.finished.v1",
             "subject":"checkout","time":"2026-11-24T10:03:10Z","datacontenttype":"application/json",
             "data":{"apiVersion":"litmuschaos.io/v1alpha1","kind":"ChaosResult",
                     "metadata":{"name":"checkout-chaos-pod-delete","namespace":"shop","creationTimestamp":"2026-11-24T10:02:00Z",
                                 "labels":{"releaseguardian/guardian":"checkout"}},
                     "spec":{"engine":"checkout-chaos","experiment":"pod-delete"},
                     "status":{"experimentStatus":{"phase":"Completed","verdict":"Pass","probeSuccessPercentage":"100"}}}}
            """);

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var accepted = Assert.Single((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("events").EnumerateArray());
        Assert.Equal("checkout", accepted.GetProperty("guardian").GetString());
        var instanceId = accepted.GetProperty("instanceId").GetString()!;
        Assert.StartsWith("checkout:chaos-", instanceId);
        var runId = instanceId["checkout:".Length..];

        var status = await scenario.WaitForCompletionAsync(instanceId);
        Assert.Equal("chaos", status.GetProperty("input").GetProperty("trigger").GetString());
        Assert.Equal("go", status.GetProperty("output").GetProperty("decision").GetString());

        // The experiment's window is measured: creationTimestamp to the CloudEvent's time.
        var run = await scenario.GetJsonAsync($"/api/guardians/checkout/runs/{runId}");
        Assert.Equal(DateTimeOffset.Parse("2026-11-24T10:02:00Z"), run.GetProperty("window").GetProperty("start").GetDateTimeOffset());
        Assert.Equal(DateTimeOffset.Parse("2026-11-24T10:03:10Z"), run.GetProperty("window").GetProperty("end").GetDateTimeOffset());
        Assert.Equal(0.001, run.GetProperty("signals").GetProperty("errors.rate").GetDouble(), 6);
        // Besides the probe for the service's naming convention, one query: over the experiment's 70 s.
        var query = Assert.Single(prometheus.Requests, r => !r.Query.Contains(ReleaseGuardian.Infrastructure.Metrics.Prometheus.PrometheusQueries.ConventionLabel, StringComparison.Ordinal));
        Assert.Contains("[70s]", query.Query.Replace("%5B", "[").Replace("%5D", "]"));

        var entries = (await scenario.GetJsonAsync("/api/guardians/checkout/timeline")).GetProperty("entries").EnumerateArray().ToList();
        var verdict = Assert.Single(entries, e => e.GetProperty("kind").GetString() == "verdict");
        Assert.Equal(runId, verdict.GetProperty("id").GetString());
        Assert.StartsWith("Go on checkout", verdict.GetProperty("summary").GetString());
        Assert.Contains(entries, e => e.GetProperty("kind").GetString() == "chaos");

        // The same CloudEvent delivered again maps to the same instance and judges nothing twice.
        var again = await scenario.PostCloudEventAsync("""
            {"specversion":"1.0","id":"shop/checkout-chaos-pod-delete/3","source":"/k8s/shop","type":"releaseguardian.chaos.finished.v1",
             "subject":"checkout","time":"2026-11-24T10:03:10Z","datacontenttype":"application/json",
             "data":{"apiVersion":"litmuschaos.io/v1alpha1","kind":"ChaosResult",
                     "metadata":{"name":"checkout-chaos-pod-delete","namespace":"shop","creationTimestamp":"2026-11-24T10:02:00Z"},
                     "spec":{"engine":"checkout-chaos","experiment":"pod-delete"},
                     "status":{"experimentStatus":{"phase":"Completed","verdict":"Pass","probeSuccessPercentage":"100"}}}}
            """);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(instanceId, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("events")[0].GetProperty("instanceId").GetString());
        await Task.Delay(300);
        // Still only the first evaluation's probe and query.
        Assert.Equal(2, prometheus.Requests.Count);
        Assert.Single((await scenario.GetJsonAsync("/api/guardians/checkout/runs")).GetProperty("runs").EnumerateArray());
    }
}
