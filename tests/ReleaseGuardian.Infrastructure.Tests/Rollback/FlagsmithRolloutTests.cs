using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Infrastructure.Rollback;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class FlagsmithRolloutTests
{
    private const string StatePath = "/api/v1/environments/env-KEY-1/featurestates/4711/";

    private static readonly Dictionary<string, string> Ids = new() { ["featureStateId"] = "4711", ["environmentApiKey"] = "env-KEY-1" };

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
        var state = new FeatureState(OneOption);
        await using var server = await LoopbackServer.StartAsync(state.Handle);
        await using var services = Build(Settings(server));

        var snapshot = await Rollout(services, "flagsmith").CaptureAsync(Binding("flagsmith", "new_checkout", Ids), default);

        AssertCall(Assert.Single(server.Requests), "GET");
        Assert.Equal((0, true, "disabled, option 12 0%, control 100%"), (snapshot.RolloutPercent, snapshot.SupportsPercentages, snapshot.Summary));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("{\"enabled\":false,\"multivariate_feature_state_values\":" + OneOption + "}"), JsonNode.Parse(snapshot.State)), snapshot.State);
    }

    [Fact]
    public async Task Set_10_50_100_then_restore_patches_the_option_allocation_and_then_the_captured_state()
    {
        var state = new FeatureState(OneOption);
        await using var server = await LoopbackServer.StartAsync(state.Handle);
        await using var services = Build(Settings(server));
        var client = Rollout(services, "flagsmith");
        var flag = Binding("flagsmith", "new_checkout", Ids);
        var before = await client.CaptureAsync(flag, default);

        var results = new List<RolloutWriteResult>();
        foreach (var percent in new[] { 10, 50, 100 })
        {
            results.Add(await client.SetRolloutAsync(flag, before, percent, null, "stage", default));
        }

        var restored = await client.RestoreAsync(flag, before, "No-Go", default);

        var requests = server.Requests;
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
            Assert.Equal(percent, results[stage].After!.RolloutPercent);
        }

        Assert.Equal("enabled, option 12 10%, control 90%", results[0].After!.Summary);
        Assert.True(restored.Succeeded, restored.Detail);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(before.State), JsonNode.Parse(patches[3].Body)), patches[3].BodyText);
        Assert.False(state.State["enabled"]!.GetValue<bool>());
        Assert.Equal(before.Fingerprint, restored.After!.Fingerprint);
    }

    [Fact]
    public async Task With_several_options_the_variant_names_the_option_id_and_the_others_get_nothing()
    {
        var state = new FeatureState(TwoOptions.Replace("\"percentage_allocation\":0.0}]", "\"percentage_allocation\":20.0}]", StringComparison.Ordinal), enabled: true);
        await using var server = await LoopbackServer.StartAsync(state.Handle);
        await using var services = Build(Settings(server));
        var client = Rollout(services, "flagsmith");
        var flag = Binding("flagsmith", "new_checkout", Ids);
        var before = await client.CaptureAsync(flag, default);

        var unnamed = await client.SetRolloutAsync(flag, before, 10, null, "stage", default);
        var named = await client.SetRolloutAsync(flag, before, 10, "12", "stage", default);

        Assert.False(unnamed.Succeeded);
        Assert.Contains("2 multivariate options (12, 13); name the one to roll out by its id", unnamed.Detail);
        Assert.True(named.Succeeded, named.Detail);
        var patch = Assert.Single(server.Requests, r => r.Method == "PATCH");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(
            "{\"enabled\":true,\"multivariate_feature_state_values\":[{\"id\":91,\"multivariate_feature_option\":12,\"percentage_allocation\":10}," +
            "{\"id\":92,\"multivariate_feature_option\":13,\"percentage_allocation\":0}]}"), JsonNode.Parse(patch.Body)), patch.BodyText);
        Assert.Equal((20, "enabled, option 12 0%, option 13 20%, control 80%"), (before.RolloutPercent, before.Summary));
    }

    [Fact]
    public async Task A_feature_without_multivariate_options_is_on_off_only()
    {
        var state = new FeatureState("[]");
        await using var server = await LoopbackServer.StartAsync(state.Handle);
        await using var services = Build(Settings(server));
        var client = Rollout(services, "flagsmith");
        var flag = Binding("flagsmith", "new_checkout", Ids);
        var before = await client.CaptureAsync(flag, default);

        var half = await client.SetRolloutAsync(flag, before, 50, null, "stage", default);
        var all = await client.SetRolloutAsync(flag, before, 100, null, "stage", default);
        var restored = await client.RestoreAsync(flag, before, "abort", default);

        Assert.Equal((false, 0, "disabled (on/off only)"), (before.SupportsPercentages, before.RolloutPercent, before.Summary));
        Assert.False(half.Succeeded);
        Assert.Contains("on/off only: 50% cannot be served", half.Detail);
        Assert.True(all.Succeeded, all.Detail);
        Assert.Equal(100, all.After!.RolloutPercent);
        Assert.True(restored.Succeeded, restored.Detail);
        var patches = server.Requests.Where(r => r.Method == "PATCH").Select(r => r.BodyText).ToArray();
        Assert.Equal(["{\"enabled\":true}", "{\"enabled\":false}"], patches);
    }

    [Fact]
    public async Task The_fingerprint_ignores_version_and_update_time_and_notices_a_person_changing_an_allocation()
    {
        var state = new FeatureState(OneOption, enabled: true);
        await using var server = await LoopbackServer.StartAsync(state.Handle);
        await using var services = Build(Settings(server));
        var client = Rollout(services, "flagsmith");
        var flag = Binding("flagsmith", "new_checkout", Ids);
        var first = await client.CaptureAsync(flag, default);

        state.State["version"] = 9;
        state.State["updated_at"] = "2026-12-06T04:00:00.000000Z";
        var untouched = await client.CaptureAsync(flag, default);
        state.State["multivariate_feature_state_values"]![0]!["percentage_allocation"] = 35.0;
        var changed = await client.CaptureAsync(flag, default);

        Assert.Equal(first.Fingerprint, untouched.Fingerprint);
        Assert.NotEqual(first.Fingerprint, changed.Fingerprint);
        Assert.Equal(35, changed.RolloutPercent);
    }

    [Fact]
    public async Task A_provider_error_fails_naming_the_feature_state_without_the_key()
    {
        await using var server = await ServerAnswering("{\"detail\":\"Invalid token ser.flagsmith-key\"}", 503);
        await using var services = Build(Settings(server));
        var client = Rollout(services, "flagsmith");
        var flag = Binding("flagsmith", "new_checkout", Ids);

        var captured = await client.CaptureAsync(flag, default);
        var set = await client.SetRolloutAsync(flag, captured, 10, null, "stage", default);

        Assert.True(RollbackClientBase.IsUnknown(captured));
        Assert.False(set.Succeeded);
        Assert.Contains("Reading Flagsmith feature 'new_checkout' (feature state 4711) failed", set.Detail);
        Assert.Contains("HTTP 503", set.Detail);
        Assert.DoesNotContain("ser.flagsmith-key", set.Detail + captured.Summary);
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
