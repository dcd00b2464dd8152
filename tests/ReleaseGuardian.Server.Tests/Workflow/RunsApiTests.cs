using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Workflow;

/// <summary>
/// The runs API over real HTTP: training progress, listing newest first, full evidence, invalidation
/// (which takes a run out of the baseline) and a baseline reset (which starts training again).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RunsApiTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_fourth_run_of_a_fresh_guardian_is_judged_with_its_adaptive_objectives_training_3_of_5()
    {
        await using var scenario = await Scenario.StartAsync(azurite);
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl));
        await scenario.TrainAsync("checkout", runs: 3);

        var status = await scenario.PostK6AndWaitAsync("checkout", "train-4", "training", Scenario.Base.AddMinutes(3), 1175, errorRate: 0);

        var run = await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-train-4");
        var objectives = Objectives(run);
        foreach (var adaptive in new[] { "error rate", "traffic" })
        {
            Assert.Equal("info", objectives[adaptive].GetProperty("status").GetString());
            Assert.StartsWith("training 3/5", objectives[adaptive].GetProperty("explanation").GetString());
            var training = objectives[adaptive].GetProperty("training");
            Assert.Equal(3, training.GetProperty("count").GetInt32());
            Assert.Equal(5, training.GetProperty("required").GetInt32());
            Assert.Equal(["lt-train-1", "lt-train-2", "lt-train-3"], RunIds(training));
        }

        Assert.Equal("pass", objectives["p95 latency"].GetProperty("status").GetString());
        Assert.Contains("baseline training 3/5", status.GetProperty("output").GetProperty("headline").GetString());
        Assert.Equal("done", status.GetProperty("customStatus").GetProperty("step").GetString());
        Assert.Contains("training 3/5", status.GetProperty("customStatus").GetProperty("detail").GetString());
        Assert.Empty(await scenario.NotificationsAsync("checkout"));
    }

    [Fact]
    public async Task Runs_are_listed_newest_first_and_each_carries_its_full_evidence()
    {
        await using var scenario = await Scenario.StartAsync(azurite);
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl));
        await scenario.TrainAsync("checkout");
        await scenario.PostLaunchDarklyAsync(Scenario.LaunchDarklyToggle("65a1f0c2e4b0a1d2c3f4a5c6", Scenario.Base.AddMinutes(6).AddSeconds(30), turnOn: true));
        await scenario.PostK6AndWaitAsync("checkout", "validate-1", "validation", Scenario.Base.AddMinutes(7), 1150, errorRate: 0.12);

        var list = await scenario.GetJsonAsync("/api/guardians/checkout/runs");
        var runs = list.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["lt-validate-1", "lt-train-5", "lt-train-4", "lt-train-3", "lt-train-2", "lt-train-1"],
            runs.Select(r => r.GetProperty("runId").GetString()));
        Assert.Equal("nogo", runs[0].GetProperty("decision").GetString());
        Assert.Equal("validation", runs[0].GetProperty("purpose").GetString());
        Assert.Equal("training", runs[1].GetProperty("purpose").GetString());

        var page = await scenario.GetJsonAsync("/api/guardians/checkout/runs?pageSize=2");
        Assert.Equal(["lt-validate-1", "lt-train-5"], page.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()));
        var next = await scenario.GetJsonAsync($"/api/guardians/checkout/runs?pageSize=2&continuation={Uri.EscapeDataString(page.GetProperty("continuation").GetString()!)}");
        Assert.Equal(["lt-train-4", "lt-train-3"], next.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()));

        var run = await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-validate-1");
        Assert.Equal(0.12, run.GetProperty("signals").GetProperty("errors.rate").GetDouble(), 6);
        Assert.Equal(1150, run.GetProperty("signals").GetProperty("traffic.requests").GetDouble(), 6);
        Assert.Equal(Scenario.Base.AddMinutes(7), run.GetProperty("window").GetProperty("start").GetDateTimeOffset());
        var objectives = Objectives(run);
        var errorRate = objectives["error rate"];
        Assert.Equal("fail", errorRate.GetProperty("status").GetString());
        Assert.Equal(0.12, errorRate.GetProperty("value").GetDouble(), 6);
        Assert.Equal(0.0075, errorRate.GetProperty("warning").GetDouble(), 6);
        Assert.Equal(0.015, errorRate.GetProperty("failure").GetDouble(), 6);
        Assert.Contains("median", errorRate.GetProperty("explanation").GetString());
        Assert.Equal(["lt-train-1", "lt-train-2", "lt-train-3", "lt-train-4", "lt-train-5"], RunIds(errorRate.GetProperty("baseline")));
        var latency = objectives["p95 latency"];
        Assert.Equal(310.7, latency.GetProperty("value").GetDouble(), 6);
        Assert.Equal(600, latency.GetProperty("warning").GetDouble());
        Assert.Equal(800, latency.GetProperty("failure").GetDouble());
        var change = run.GetProperty("changeUnderTest");
        Assert.Equal("65a1f0c2e4b0a1d2c3f4a5c6", change.GetProperty("changeId").GetString());
        Assert.Equal("new-checkout", change.GetProperty("flagKey").GetString());
        Assert.Contains("grace@example.org", change.GetProperty("actor").GetString());

        var unknown = await scenario.Api.GetAsync("/api/guardians/checkout/runs/lt-nope");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("runId", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await scenario.Api.GetAsync("/api/guardians/nobody/runs")).StatusCode);
        var badContinuation = await scenario.Api.GetAsync("/api/guardians/checkout/runs?continuation=not-a-token");
        Assert.Equal(HttpStatusCode.BadRequest, badContinuation.StatusCode);
        Assert.Equal("continuation", (await badContinuation.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await scenario.Api.GetAsync("/api/guardians/checkout/runs?pageSize=500")).StatusCode);
    }

    [Fact]
    public async Task An_invalidated_run_leaves_the_baseline_and_a_baseline_reset_starts_training_again()
    {
        await using var scenario = await Scenario.StartAsync(azurite);
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl));
        await scenario.TrainAsync("checkout");

        var noReason = await scenario.Api.PostAsync("/api/guardians/checkout/runs/lt-train-2/invalidate", Json("{}"));
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal("application/problem+json", noReason.Content.Headers.ContentType?.MediaType);
        Assert.Equal("reason", (await noReason.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        var emptyBody = await scenario.Api.PostAsync("/api/guardians/checkout/runs/lt-train-2/invalidate", Json(""));
        Assert.Equal(HttpStatusCode.BadRequest, emptyBody.StatusCode);
        var unknown = await scenario.Api.PostAsync("/api/guardians/checkout/runs/lt-nope/invalidate", Json("""{"reason":"bad run"}"""));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("runId", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        Assert.False((await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-train-2")).GetProperty("invalidated").GetBoolean());

        var invalidated = await scenario.Api.PostAsync("/api/guardians/checkout/runs/lt-train-2/invalidate",
            Json("""{"reason":"load generator was saturated"}"""));
        Assert.Equal(HttpStatusCode.OK, invalidated.StatusCode);
        var stored = await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-train-2");
        Assert.True(stored.GetProperty("invalidated").GetBoolean());
        Assert.Equal("load generator was saturated", stored.GetProperty("invalidatedReason").GetString());

        // The next run learns from the four remaining runs only.
        await scenario.PostK6AndWaitAsync("checkout", "train-6", "training", Scenario.Base.AddMinutes(5), 1172, errorRate: 0);
        var after = Objectives(await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-train-6"))["error rate"];
        Assert.StartsWith("training 4/5", after.GetProperty("explanation").GetString());
        Assert.Equal(["lt-train-1", "lt-train-3", "lt-train-4", "lt-train-5"], RunIds(after.GetProperty("training")));

        var reset = await scenario.Api.PostAsync("/api/guardians/checkout/baseline/reset", null);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scenario.Api.PostAsync("/api/guardians/nobody/baseline/reset", null)).StatusCode);

        var status = await scenario.PostK6AndWaitAsync("checkout", "train-7", "training", Scenario.Base.AddMinutes(6), 1170, errorRate: 0);
        var fresh = Objectives(await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-train-7"));
        Assert.StartsWith("training 0/5", fresh["error rate"].GetProperty("explanation").GetString());
        Assert.StartsWith("training 0/5", fresh["traffic"].GetProperty("explanation").GetString());
        Assert.Equal(0, fresh["error rate"].GetProperty("training").GetProperty("count").GetInt32());
        Assert.Contains("baseline training 0/5", status.GetProperty("output").GetProperty("headline").GetString());
    }

    private static Dictionary<string, JsonElement> Objectives(JsonElement run) =>
        run.GetProperty("verdict").GetProperty("objectives").EnumerateArray()
            .ToDictionary(o => o.GetProperty("name").GetString()!, o => o);

    private static List<string?> RunIds(JsonElement evidence) =>
        evidence.GetProperty("runs").EnumerateArray().Select(r => r.GetString()).ToList();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
