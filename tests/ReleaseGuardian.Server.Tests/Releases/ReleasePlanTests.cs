using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Releases;
using ReleaseGuardian.Infrastructure.Metrics.Prometheus;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Releases;

/// <summary>
/// The ReleasePlan orchestration on the standalone engine against Azurite (issue 15): a flagd flag file is the provider,
/// each stage is validated by a load test launched through the guardian's http launcher, and the decisions are read
/// from the flag file, the recorded release and the instance's output.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReleasePlanTests(AzuriteFixture azurite)
{
    private const string ThreeStages = """{"stages":[{"rollout":10},{"rollout":50},{"rollout":100}],"validate":"loadtest","approval":"auto","requiredPasses":1}""";

    [Fact]
    public async Task Go_at_every_stage_rolls_out_10_50_100_validating_each_at_its_share_and_completes()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        var releaseId = await story.StartAsync(ThreeStages);

        for (var stage = 1; stage <= 3; stage++)
        {
            var (launch, _) = await story.LaunchAsync(stage);
            await story.PostResultAsync(launch, errorRate: 0);
        }

        var done = await story.WaitForEndAsync(releaseId);

        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        var output = done.GetProperty("output");
        Assert.Equal("completed", output.GetProperty("state").GetString());
        // Each load test ran while the flag served exactly its stage's share, and carried the validation purpose.
        Assert.Equal([10, 50, 100], story.Launches.Select(l => ReleaseStory.RolloutIn(l.FlagFile)));
        Assert.Equal([$"{releaseId}-s1v1", $"{releaseId}-s2v1", $"{releaseId}-s3v1"], story.Launches.Select(l => l.Launch.GetProperty("testId").GetString()));
        Assert.All(story.Launches, l => Assert.Equal("validation", l.Launch.GetProperty("purpose").GetString()));
        Assert.Equal(100, ReleaseStory.RolloutIn(await File.ReadAllTextAsync(story.FlagFile)));
        var stages = output.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(["passed", "passed", "passed"], stages.Select(s => s.GetProperty("state").GetString()));
        Assert.All(stages, s => Assert.Equal("go", Assert.Single(s.GetProperty("evaluations").EnumerateArray()).GetProperty("decision").GetString()));
        Assert.Equal("completed", done.GetProperty("customStatus").GetProperty("step").GetString());

        // Recorded for the API, the timeline and the dashboard, and every stage notified with its evidence.
        var recorded = await story.ReleaseAsync(releaseId);
        Assert.Equal("completed", recorded.GetProperty("state").GetString());
        var listed = await story.Scenario.GetJsonAsync("/api/guardians/checkout/releases");
        Assert.Equal(releaseId, Assert.Single(listed.GetProperty("releases").EnumerateArray()).GetProperty("releaseId").GetString());
        var notices = (await story.Scenario.NotificationsAsync("checkout")).Where(n => n.GetProperty("kind").GetString() == "release").ToList();
        Assert.Equal(4, notices.Count);

        // The lock was freed at the end: the next release on the flag starts.
        using var next = await story.StartReleaseAsync("""{"stages":[{"rollout":100}]}""");
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
    }

    [Fact]
    public async Task A_No_Go_at_stage_1_restores_the_exact_pre_release_flag_file_and_leaves_the_change_under_test_to_the_release()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        // A change of the flag before the release: a normal evaluation would roll it back as the change under test
        // (the policy rolls back on nogo). A release stage's evaluation must not: the release restores the state itself.
        await PostFlagChangeAsync(story, DateTimeOffset.UtcNow.AddMinutes(-5));
        var before = await File.ReadAllBytesAsync(story.FlagFile);
        var releaseId = await story.StartAsync(ThreeStages);

        var (launch, flagFile) = await story.LaunchAsync(1);
        Assert.Equal(10, ReleaseStory.RolloutIn(flagFile));
        await story.PostResultAsync(launch, errorRate: 0.2);
        var done = await story.WaitForEndAsync(releaseId);

        var output = done.GetProperty("output");
        Assert.Equal("rolled-back", output.GetProperty("state").GetString());
        Assert.Equal(before, await File.ReadAllBytesAsync(story.FlagFile));
        Assert.Single(story.Launches);
        var stages = output.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(["failed", "pending", "pending"], stages.Select(s => s.GetProperty("state").GetString()));
        var evaluation = Assert.Single(stages[0].GetProperty("evaluations").EnumerateArray());
        Assert.Equal("nogo", evaluation.GetProperty("decision").GetString());
        Assert.Contains("No-Go", output.GetProperty("detail").GetString());

        // The stage's evaluation judged the change under test's window but neither rolled it back nor notified on its own.
        var runId = evaluation.GetProperty("runId").GetString()!;
        var judged = await Support.Scenario.WaitForCompletionAsync(story.Api, "checkout:" + runId);
        Assert.Equal("nogo", judged.GetProperty("output").GetProperty("decision").GetString());
        Assert.False(judged.GetProperty("output").TryGetProperty("rollback", out var rollback) && rollback.ValueKind != JsonValueKind.Null);
        var run = await story.Scenario.GetJsonAsync($"/api/guardians/checkout/runs/{runId}");
        Assert.Contains("change", run.ToString(), StringComparison.OrdinalIgnoreCase);
        var kinds = (await story.Scenario.NotificationsAsync("checkout")).Select(n => n.GetProperty("kind").GetString()).ToList();
        // One notice: the release's end, with the stage's evaluation as evidence.
        Assert.Equal("release", Assert.Single(kinds));
    }

    [Fact]
    public async Task An_Inconclusive_stage_pauses_for_a_person_resume_validates_it_again_and_abort_restores_the_pre_release_state()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        var before = await File.ReadAllBytesAsync(story.FlagFile);
        var releaseId = await story.StartAsync("""{"stages":[{"rollout":10},{"rollout":100}],"validate":"loadtest"}""");

        await story.PostResultAsync((await story.LaunchAsync(1)).Launch, errorRate: null);
        var paused = await story.WaitForDetailAsync(releaseId, d => d.Contains("paused", StringComparison.Ordinal), "paused");
        Assert.StartsWith("stage 1/2: 10%, paused: inconclusive (", paused.GetProperty("customStatus").GetProperty("detail").GetString());
        Assert.Equal("paused", paused.GetProperty("state").GetString());
        Assert.Single(story.Launches); // waits for a person: nothing is launched meanwhile

        using (var resume = await story.ControlAsync(releaseId, "resume", """{"by":"alice","reason":"flaky runner"}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        }

        // Resumed: stage 1 is validated again (a new test id), still at 10%, then Go moves on to 100%.
        var (again, flagAgain) = await story.LaunchAsync(2);
        Assert.Equal($"{releaseId}-s1v2", again.GetProperty("testId").GetString());
        Assert.Equal(10, ReleaseStory.RolloutIn(flagAgain));
        await story.PostResultAsync(again, errorRate: 0);
        var (last, flagLast) = await story.LaunchAsync(3);
        Assert.Equal(100, ReleaseStory.RolloutIn(flagLast));
        await story.PostResultAsync(last, errorRate: null);
        await story.WaitForDetailAsync(releaseId, d => d.StartsWith("stage 2/2: 100%, paused: inconclusive", StringComparison.Ordinal), "paused at stage 2");

        using (var abort = await story.ControlAsync(releaseId, "abort", """{"by":"bob"}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, abort.StatusCode);
        }

        var done = await story.WaitForEndAsync(releaseId);
        var output = done.GetProperty("output");
        Assert.Equal("aborted", output.GetProperty("state").GetString());
        Assert.Equal(before, await File.ReadAllBytesAsync(story.FlagFile));
        Assert.Equal(["resume", "abort"], output.GetProperty("controls").EnumerateArray().Select(c => c.GetProperty("action").GetString()));
        Assert.Equal("alice", output.GetProperty("controls")[0].GetProperty("by").GetString());
        Assert.Equal(["inconclusive", "go"], output.GetProperty("stages")[0].GetProperty("evaluations").EnumerateArray().Select(e => e.GetProperty("decision").GetString()));

        // An ended release takes no more controls.
        using var late = await story.ControlAsync(releaseId, "resume");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }

    [Fact]
    public async Task With_manual_approval_a_passed_stage_waits_for_approve_before_the_next_stage()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        var releaseId = await story.StartAsync("""{"stages":[{"rollout":10},{"rollout":100}],"validate":"loadtest","approval":"manual"}""");

        await story.PostResultAsync((await story.LaunchAsync(1)).Launch, errorRate: 0);
        var waiting = await story.WaitForDetailAsync(releaseId, d => d.Contains("waiting for approval", StringComparison.Ordinal), "waiting for approval");
        Assert.StartsWith("stage 1/2: 10%, waiting for approval until ", waiting.GetProperty("customStatus").GetProperty("detail").GetString());
        Assert.Equal("waiting-for-approval", waiting.GetProperty("state").GetString());
        Assert.Single(story.Launches);
        Assert.Equal(10, ReleaseStory.RolloutIn(await File.ReadAllTextAsync(story.FlagFile)));

        using (var approve = await story.ControlAsync(releaseId, "approve", """{"by":"carol"}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);
        }

        await story.PostResultAsync((await story.LaunchAsync(2)).Launch, errorRate: 0);
        var done = await story.WaitForEndAsync(releaseId);

        Assert.Equal("completed", done.GetProperty("output").GetProperty("state").GetString());
        Assert.Equal("carol", Assert.Single(done.GetProperty("output").GetProperty("controls").EnumerateArray()).GetProperty("by").GetString());
        Assert.Equal(100, ReleaseStory.RolloutIn(await File.ReadAllTextAsync(story.FlagFile)));
    }

    [Fact]
    public async Task An_approval_that_times_out_pauses_the_release_and_says_so_then_approve_moves_on()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        // The API refuses approval timeouts under PT1M; the orchestration itself takes any, so the test starts it
        // through the host's scheduler with seconds.
        var releaseId = ReleaseNames.NewReleaseId(DateTimeOffset.UtcNow);
        var flag = new FlagBinding("flagd", "new-checkout") { Settings = new Dictionary<string, string> { ["source"] = story.FlagFile } };
        var plan = new ReleasePlan([new ReleaseStage(10), new ReleaseStage(100)], ReleaseValidations.LoadTest, ReleaseApprovals.Manual, 1, TimeSpan.FromSeconds(3));
        await story.Scenario.Server.Services.GetRequiredService<IReleaseScheduler>()
            .StartAsync(ReleaseNames.InstanceId("checkout", releaseId), new ReleaseRequest("checkout", releaseId, flag, plan), CancellationToken.None);

        await story.PostResultAsync((await story.LaunchAsync(1)).Launch, errorRate: 0);
        var paused = await story.WaitForDetailAsync(releaseId, d => d.Contains("paused", StringComparison.Ordinal), "paused by the approval timeout");

        Assert.Equal("stage 1/2: 10%, paused: approval timed out after PT3S", paused.GetProperty("customStatus").GetProperty("detail").GetString());
        Assert.Equal("paused", paused.GetProperty("state").GetString());
        Assert.Single(story.Launches);
        using (var approve = await story.ControlAsync(releaseId, "approve"))
        {
            Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);
        }

        await story.PostResultAsync((await story.LaunchAsync(2)).Launch, errorRate: 0);
        Assert.Equal("completed", (await story.WaitForEndAsync(releaseId)).GetProperty("output").GetProperty("state").GetString());
    }

    [Fact]
    public async Task An_abort_during_a_hold_wakes_the_release_at_once_and_restores_the_pre_release_state()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        var before = await File.ReadAllBytesAsync(story.FlagFile);
        var releaseId = await story.StartAsync("""{"stages":[{"rollout":10,"hold":"PT1H"},{"rollout":100,"hold":"PT1H"}],"validate":"window"}""");

        var holding = await story.WaitForDetailAsync(releaseId, d => d.Contains("holding until", StringComparison.Ordinal), "holding");
        Assert.StartsWith("stage 1/2: 10%, holding until ", holding.GetProperty("customStatus").GetProperty("detail").GetString());
        Assert.Equal(10, ReleaseStory.RolloutIn(await File.ReadAllTextAsync(story.FlagFile)));
        using (var abort = await story.ControlAsync(releaseId, "abort", """{"by":"dave","reason":"support tickets"}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, abort.StatusCode);
        }

        // Not after the hour: the wait for a control is the hold's timer.
        var done = await story.WaitForEndAsync(releaseId);

        var output = done.GetProperty("output");
        Assert.Equal("aborted", output.GetProperty("state").GetString());
        Assert.Contains("support tickets", output.GetProperty("detail").GetString());
        Assert.Equal(before, await File.ReadAllBytesAsync(story.FlagFile));
        Assert.Empty(output.GetProperty("stages")[0].GetProperty("evaluations").EnumerateArray());
    }

    [Fact]
    public async Task A_window_release_holds_each_stage_then_judges_that_window_through_the_guardians_metrics_source()
    {
        await using var prometheus = await LoopbackServer.StartAsync(HealthyPrometheusAsync);
        await using var story = await ReleaseStory.StartAsync(azurite, metrics: $$"""{"source":"prometheus","url":"{{prometheus.BaseAddress}}"}""");
        var releaseId = await story.StartAsync("""{"stages":[{"rollout":20,"hold":"PT2S"},{"rollout":100,"hold":"PT2S"}],"validate":"window"}""");

        var done = await story.WaitForEndAsync(releaseId);

        var output = done.GetProperty("output");
        Assert.Equal("completed", output.GetProperty("state").GetString());
        foreach (var stage in output.GetProperty("stages").EnumerateArray())
        {
            var evaluation = Assert.Single(stage.GetProperty("evaluations").EnumerateArray());
            Assert.Equal("go", evaluation.GetProperty("decision").GetString());
            // The window is the stage's own: from the moment its rollout was set to the end of its hold.
            Assert.Equal(stage.GetProperty("startedAt").GetDateTimeOffset(), evaluation.GetProperty("start").GetDateTimeOffset());
            Assert.True(evaluation.GetProperty("end").GetDateTimeOffset() > evaluation.GetProperty("start").GetDateTimeOffset());
            Assert.EndsWith($"-s{stage.GetProperty("stage").GetInt32()}v1", evaluation.GetProperty("runId").GetString());
        }

        Assert.Empty(story.Launches);
        Assert.NotEmpty(prometheus.Requests);
    }

    [Fact]
    public async Task A_flag_changed_by_a_person_mid_release_pauses_it_and_reports_what_changed()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        var before = await File.ReadAllBytesAsync(story.FlagFile);
        // While stage 1's load test runs, a person turns the flag fully on in the file.
        story.OnLaunch = launch =>
        {
            // Only new-checkout says "off" (other-flag is on), and only its default changes: the rest stays byte for byte.
            var text = File.ReadAllText(story.FlagFile);
            var edited = System.Text.RegularExpressions.Regex.Replace(text, "\"defaultVariant\"\\s*:\\s*\"off\"", "\"defaultVariant\": \"on\"");
            Assert.NotEqual(text, edited);
            File.WriteAllText(story.FlagFile, edited);
        };
        var releaseId = await story.StartAsync("""{"stages":[{"rollout":10},{"rollout":100}],"validate":"loadtest"}""");

        await story.PostResultAsync((await story.LaunchAsync(1)).Launch, errorRate: 0);
        var paused = await story.WaitForDetailAsync(releaseId, d => d.Contains("paused", StringComparison.Ordinal), "paused by the change");

        var detail = paused.GetProperty("customStatus").GetProperty("detail").GetString()!;
        Assert.StartsWith("stage 2/2: 100%, paused: the flag was changed outside the release: the release left it ", detail);
        Assert.Contains(", it is now ", detail);
        Assert.Single(story.Launches);
        // The release did not overrule the person: the file is as they left it.
        Assert.DoesNotMatch("\"defaultVariant\"\\s*:\\s*\"off\"", await File.ReadAllTextAsync(story.FlagFile));
        // The pause is in the custom status before the activity that records and notifies it has run: wait for it.
        var noticed = false;
        for (var wait = 0; wait < 120 && !noticed; wait++)
        {
            noticed = (await story.Scenario.NotificationsAsync("checkout"))
                .Any(n => n.GetProperty("kind").GetString() == "release" && n.ToString().Contains("changed outside the release", StringComparison.Ordinal));
            if (!noticed)
            {
                await Task.Delay(250);
            }
        }

        Assert.True(noticed, "no release notification said the flag was changed outside the release");

        using (var abort = await story.ControlAsync(releaseId, "abort"))
        {
            Assert.Equal(HttpStatusCode.Accepted, abort.StatusCode);
        }

        Assert.Equal("aborted", (await story.WaitForEndAsync(releaseId)).GetProperty("output").GetProperty("state").GetString());
        Assert.Equal(before, await File.ReadAllBytesAsync(story.FlagFile));
    }

    [Fact]
    public async Task With_requiredPasses_2_a_stage_advances_only_after_two_consecutive_Go_runs()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        var releaseId = await story.StartAsync("""{"stages":[{"rollout":10},{"rollout":100}],"validate":"loadtest","requiredPasses":2}""");

        for (var n = 1; n <= 4; n++)
        {
            await story.PostResultAsync((await story.LaunchAsync(n)).Launch, errorRate: 0);
        }

        var output = (await story.WaitForEndAsync(releaseId)).GetProperty("output");

        Assert.Equal("completed", output.GetProperty("state").GetString());
        Assert.Equal([$"{releaseId}-s1v1", $"{releaseId}-s1v2", $"{releaseId}-s2v1", $"{releaseId}-s2v2"],
            story.Launches.Select(l => l.Launch.GetProperty("testId").GetString()));
        Assert.Equal([10, 10, 100, 100], story.Launches.Select(l => ReleaseStory.RolloutIn(l.FlagFile)));
        Assert.All(output.GetProperty("stages").EnumerateArray(), s => Assert.Equal(2, s.GetProperty("passes").GetInt32()));
    }

    [Fact]
    public async Task A_second_release_on_the_same_flag_gets_409_naming_the_running_one()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        var first = await story.StartAsync(ThreeStages);
        await story.LaunchAsync(1);

        using var second = await story.StartReleaseAsync(ThreeStages);

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        var problem = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("flag", problem.GetProperty("field").GetString());
        Assert.Contains(first, problem.GetProperty("detail").GetString());
        var listed = await story.Scenario.GetJsonAsync("/api/guardians/checkout/releases");
        Assert.Single(listed.GetProperty("releases").EnumerateArray()); // nothing half-stored for the refused one

        using (var abort = await story.ControlAsync(first, "abort"))
        {
            Assert.Equal(HttpStatusCode.Accepted, abort.StatusCode);
        }

        await story.WaitForEndAsync(first);
        using var third = await story.StartReleaseAsync(ThreeStages);
        Assert.Equal(HttpStatusCode.Accepted, third.StatusCode);
    }

    [Theory]
    [InlineData("""{"stages":[{"rollout":10},{"rollout":5}]}""", "stages[1].rollout")]
    [InlineData("""{"stages":[{"rollout":10}],"validate":"canary"}""", "validate")]
    [InlineData("""[1]""", "$")]
    public async Task A_bad_plan_gets_400_naming_the_field_and_starts_nothing(string plan, string field)
    {
        await using var story = await ReleaseStory.StartAsync(azurite);

        using var response = await story.StartReleaseAsync(plan);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        Assert.Empty((await story.Scenario.GetJsonAsync("/api/guardians/checkout/releases")).GetProperty("releases").EnumerateArray());
    }

    [Fact]
    public async Task A_flag_whose_state_cannot_be_read_starts_no_release_and_the_409_names_the_flag()
    {
        // The generic hook's client answers an unknown state (it does not throw) when its hook cannot be read: the
        // release must refuse it as it refuses a capture that throws, since there would be nothing to restore.
        await using var hook = await LoopbackServer.StartAsync(status: 503, body: "down for maintenance");
        await using var story = await ReleaseStory.StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            ["Providers:http:Url"] = hook.BaseAddress + "hook",
            ["Rollback:MaxAttempts"] = "1",
        });
        var definition = System.Text.Json.Nodes.JsonNode.Parse(story.Guardian("""{"source":"loadtest"}"""))!.AsObject();
        definition["flag"] = new System.Text.Json.Nodes.JsonObject { ["provider"] = "http", ["key"] = "new-checkout" };
        await story.Scenario.PutGuardianAsync("checkout", definition.ToJsonString());

        using var response = await story.StartReleaseAsync("""{"stages":[{"rollout":100}]}""");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("flag", problem.GetProperty("field").GetString());
        Assert.Contains("could not be read", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotEmpty(hook.Requests);
        Assert.All(hook.Requests, r => Assert.Equal("GET", r.Method));
        Assert.Empty((await story.Scenario.GetJsonAsync("/api/guardians/checkout/releases")).GetProperty("releases").EnumerateArray());
    }

    [Fact]
    public async Task A_loadtest_plan_for_a_guardian_without_a_loadTest_section_gets_400_naming_validate()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        var definition = System.Text.Json.Nodes.JsonNode.Parse(story.Guardian("""{"source":"loadtest"}"""))!.AsObject();
        definition.Remove("loadTest");
        await story.Scenario.PutGuardianAsync("checkout", definition.ToJsonString());

        using var response = await story.StartReleaseAsync(ThreeStages);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validate", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }

    private static async Task PostFlagChangeAsync(ReleaseStory story, DateTimeOffset at)
    {
        var json = $$$"""
            {"specversion":"1.0","type":"releaseguardian.flag.changed.v1","source":"/tests/release","id":"chg-{{{Guid.NewGuid():N}}}",
             "time":"{{{at:O}}}","datacontenttype":"application/json",
             "data":{"provider":"flagd","flagKey":"new-checkout","previous":{"enabled":true,"variant":"off"},
                     "current":{"enabled":true,"variant":"on"},"actor":"erin","changedAt":"{{{at:O}}}"}}
            """;
        using var response = await story.Scenario.PostCloudEventAsync(json);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    // The real /api/v1/query shape (see MetricsSourceWorkflowTests): a healthy service under every query.
    private static async Task HealthyPrometheusAsync(RecordedRequest request, HttpContext context)
    {
        var query = Uri.UnescapeDataString(request.Query.TrimStart('?').Split('&').Single(p => p.StartsWith("query=", StringComparison.Ordinal))[6..]);
        context.Response.ContentType = "application/json";
        if (query.Contains(PrometheusQueries.ConventionLabel, StringComparison.Ordinal))
        {
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
        await context.Response.WriteAsync(value is null
            ? """{"status":"success","data":{"resultType":"vector","result":[]}}"""
            : $$$"""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795514520,"{{{value}}}"]}]}}""");
    }
}
