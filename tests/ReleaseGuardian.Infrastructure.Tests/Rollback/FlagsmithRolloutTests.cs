using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Rollback;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class FlagsmithRolloutTests
{
    private const string StatePath = "/api/v1/environments/env-KEY-1/featurestates/4711/";

    private static readonly FlagBinding Flag = Binding("flagsmith", "new_checkout", new Dictionary<string, string> { ["featureStateId"] = "4711", ["environmentApiKey"] = "env-KEY-1" });

    private static Task<RolloutHarness> Start(FeatureState state) => RolloutHarness.StartAsync(state.Handle, Settings, Flag);

    /// <summary>
    /// A feature state as Flagsmith's <c>FeatureStateSerializerBasic</c> (api/features/serializers.py: every model
    /// field plus <c>feature_state_value</c> and the nested <c>multivariate_feature_state_values</c> of
    /// api/features/multivariate/serializers.py: id, multivariate_feature_option, percentage_allocation) returns it.
    /// PATCH applies enabled and matches the allocations by id, as the writable nested serializer does.
    /// </summary>
    private sealed class FeatureState(string optionsJson, bool enabled = false)
    {
        public JsonObject State { get; } = JsonNode.Parse(
            "{\"id\":4711,\"uuid\":\"0b8e7f8e-5d0c-4f6b-9a51-2f0d3c6c7a11\",\"feature_state_value\":\"classic\",\"multivariate_feature_state_values\":" + optionsJson +
            ",\"identifier\":null,\"enabled\":" + (enabled ? "true" : "false") +
            ",\"created_at\":\"2026-11-20T09:00:00.000000Z\",\"updated_at\":\"2026-11-20T09:00:00.000000Z\",\"version\":1,\"live_from\":\"2026-11-20T09:00:00Z\"," +
            "\"feature\":57,\"environment\":8,\"identity\":null,\"feature_segment\":null,\"change_request\":null}")!.AsObject();

        public async Task Handle(RecordedRequest request, HttpContext context)
        {
            context.Response.ContentType = "application/json";
            if (request.Method == "PATCH")
            {
                var patch = JsonNode.Parse(request.Body)!.AsObject();
                State["enabled"] = patch["enabled"]!.GetValue<bool>();
                foreach (var value in patch["multivariate_feature_state_values"]?.AsArray() ?? [])
                {
                    var stored = State["multivariate_feature_state_values"]!.AsArray().Single(v => v!["id"]!.GetValue<int>() == value!["id"]!.GetValue<int>())!;
                    stored["percentage_allocation"] = value!["percentage_allocation"]!.GetValue<double>();
                }

                State["version"] = State["version"]!.GetValue<int>() + 1;
                State["updated_at"] = "2026-12-06T03:00:00.000000Z";
            }

            await context.Response.WriteAsync(State.ToJsonString());
        }
    }

    private const string OneOption = "[{\"id\":91,\"multivariate_feature_option\":12,\"percentage_allocation\":0.0}]";
    private const string TwoOptions =
        "[{\"id\":91,\"multivariate_feature_option\":12,\"percentage_allocation\":0.0},{\"id\":92,\"multivariate_feature_option\":13,\"percentage_allocation\":0.0}]";

    private static Dictionary<string, string?> Settings(LoopbackServer server) => new()
    {
        ["Providers:flagsmith:BaseUrl"] = BaseUrl(server),
        ["Providers:flagsmith:ApiToken"] = "ser.flagsmith-key",
    };

    private static void AssertCall(RecordedRequest request, string method)
    {
        Assert.Equal((method, StatePath, ""), (request.Method, request.Path, request.Query));
        Assert.Equal("Api-Key ser.flagsmith-key", request.Header("Authorization"));
    }

    [Fact]
    public async Task Capture_gets_the_feature_state_and_reports_its_allocations()
    {
        await using var harness = await Start(new FeatureState(OneOption));

        var snapshot = await harness.CaptureAsync();

        AssertCall(Assert.Single(harness.Requests), "GET");
        Assert.Equal((0, true, "disabled, option 12 0%, control 100%"), (snapshot.RolloutPercent, snapshot.SupportsPercentages, snapshot.Summary));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("{\"enabled\":false,\"multivariate_feature_state_values\":" + OneOption + "}"), JsonNode.Parse(snapshot.State)), snapshot.State);
    }

    [Fact]
    public async Task Set_10_50_100_then_restore_patches_the_option_allocation_and_then_the_captured_state()
    {
        var state = new FeatureState(OneOption);
        await using var harness = await Start(state);

        var stages = await harness.StagesThenRestoreAsync(10, 50, 100);

        var requests = harness.Requests;
        Assert.Equal(["GET", "GET", "PATCH", "GET", "GET", "PATCH", "GET", "GET", "PATCH", "GET", "GET", "PATCH", "GET"], requests.Select(r => r.Method));
        Assert.All(requests, r => AssertCall(r, r.Method));
        var patches = requests.Where(r => r.Method == "PATCH").ToArray();
        Assert.All(patches, p => Assert.StartsWith("application/json", p.Header("Content-Type")));
        for (var stage = 0; stage < 3; stage++)
        {
            var percent = new[] { 10, 50, 100 }[stage];
            var expected = JsonNode.Parse(
                $"{{\"enabled\":true,\"multivariate_feature_state_values\":[{{\"id\":91,\"multivariate_feature_option\":12,\"percentage_allocation\":{percent}}}]}}");
            Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(patches[stage].Body)), patches[stage].BodyText);
            Assert.Equal(percent, stages.Sets[stage].After!.RolloutPercent);
        }

        Assert.Equal("enabled, option 12 10%, control 90%", stages.Sets[0].After!.Summary);
        stages.AssertRestoredExactly();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(stages.Before.State), JsonNode.Parse(patches[3].Body)), patches[3].BodyText);
        Assert.False(state.State["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Setting_the_same_percentage_again_writes_nothing()
    {
        await using var harness = await Start(new FeatureState(OneOption));

        var (again, sent) = await harness.SetTwiceAsync(50);

        Assert.True(again.Succeeded, again.Detail);
        Assert.Equal("GET", Assert.Single(sent).Method);
        Assert.Equal(50, again.After!.RolloutPercent);
    }

    [Fact]
    public async Task With_several_options_the_variant_names_the_option_id_and_the_others_get_nothing()
    {
        await using var harness = await Start(new FeatureState(TwoOptions.Replace("\"percentage_allocation\":0.0}]", "\"percentage_allocation\":20.0}]", StringComparison.Ordinal), enabled: true));
        var before = await harness.CaptureAsync();

        var unnamed = await harness.SetAsync(before, 10);
        var named = await harness.SetAsync(before, 10, "12");

        Assert.False(unnamed.Succeeded);
        Assert.Contains("2 multivariate options (12, 13); name the one to roll out by its id", unnamed.Detail);
        Assert.True(named.Succeeded, named.Detail);
        var patch = Assert.Single(harness.Requests, r => r.Method == "PATCH");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(
            "{\"enabled\":true,\"multivariate_feature_state_values\":[{\"id\":91,\"multivariate_feature_option\":12,\"percentage_allocation\":10}," +
            "{\"id\":92,\"multivariate_feature_option\":13,\"percentage_allocation\":0}]}"), JsonNode.Parse(patch.Body)), patch.BodyText);
        Assert.Equal((20, "enabled, option 12 0%, option 13 20%, control 80%"), (before.RolloutPercent, before.Summary));
    }

    [Fact]
    public async Task A_feature_without_multivariate_options_is_on_off_only()
    {
        await using var harness = await Start(new FeatureState("[]"));
        var before = await harness.CaptureAsync();

        var half = await harness.SetAsync(before, 50);
        var all = await harness.SetAsync(before, 100);
        var restored = await harness.RestoreAsync(before);

        Assert.Equal((false, 0, "disabled (on/off only)"), (before.SupportsPercentages, before.RolloutPercent, before.Summary));
        Assert.False(half.Succeeded);
        Assert.Contains("on/off only: 50% cannot be served", half.Detail);
        Assert.True(all.Succeeded, all.Detail);
        Assert.Equal(100, all.After!.RolloutPercent);
        Assert.True(restored.Succeeded, restored.Detail);
        var patches = harness.Requests.Where(r => r.Method == "PATCH").Select(r => r.BodyText).ToArray();
        Assert.Equal(["{\"enabled\":true}", "{\"enabled\":false}"], patches);
    }

    [Fact]
    public async Task The_fingerprint_ignores_version_and_update_time_and_notices_a_person_changing_an_allocation()
    {
        var state = new FeatureState(OneOption, enabled: true);
        await using var harness = await Start(state);
        var first = await harness.CaptureAsync();

        state.State["version"] = 9;
        state.State["updated_at"] = "2026-12-06T04:00:00.000000Z";
        var untouched = await harness.CaptureAsync();
        state.State["multivariate_feature_state_values"]![0]!["percentage_allocation"] = 35.0;
        var changed = await harness.CaptureAsync();

        Assert.Equal(first.Fingerprint, untouched.Fingerprint);
        Assert.NotEqual(first.Fingerprint, changed.Fingerprint);
        Assert.Equal(35, changed.RolloutPercent);
    }

    [Fact]
    public async Task A_provider_error_fails_naming_the_feature_state_without_the_key()
    {
        await using var harness = await RolloutHarness.FailingAsync(503, "{\"detail\":\"Invalid token ser.flagsmith-key\"}", Settings, Flag);

        await harness.AssertFailsAsync("Reading Flagsmith feature 'new_checkout' (feature state 4711) failed", "HTTP 503", "ser.flagsmith-key");
    }

    [Fact]
    public void For_any_percentage_and_options_the_chosen_option_gets_exactly_it_and_the_control_the_rest() =>
        Gen.Select(Gen.Int[0, 100], Gen.Int[1, 5]).Sample((percent, count) =>
        {
            var values = new JsonArray([.. Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject
            {
                ["id"] = 90 + i, ["multivariate_feature_option"] = 10 + i, ["percentage_allocation"] = 100.0 / count,
            })]);
            var state = new JsonObject { ["enabled"] = false, ["multivariate_feature_state_values"] = values }.ToJsonString();

            var edit = FlagsmithRollbackClient.WithAllocation(state, percent, "10");
            Assert.Null(edit.Problem);
            var allocations = edit.Update!["multivariate_feature_state_values"]!.AsArray().Select(v => v!["percentage_allocation"]!.GetValue<int>()).ToArray();
            Assert.Equal(percent, allocations[0]);
            Assert.Equal(percent, allocations.Sum());
            Assert.True(100 - allocations.Sum() >= 0);
        });
}
