using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Rollback;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class SplitRolloutTests
{
    private const string EnvironmentId = "48d8d230-7693-11e9-b44b-0a1c02136776";
    private const string DefinitionPath = "/internal/api/v2/splits/ws/ws-7/flag_managed_by_github/environments/" + EnvironmentId;

    // A definition as the Admin API's GET returns it: the file Split-Community/example-config-as-code keeps
    // (flag_managed_by_github.json, pulled with "Get feature flag definition in environment").
    private const string Definition = """
        {"id":"935bc1e0-48c7-11ee-a87d-925e66ae7524","name":"flag_managed_by_github",
         "environment":{"id":"48d8d230-7693-11e9-b44b-0a1c02136776","name":"Prod-Vacations"},
         "trafficType":{"id":"48d61310-7693-11e9-b44b-0a1c02136776","name":"user"},
         "killed":false,"treatments":[{"name":"on","description":""},{"name":"off","description":""}],
         "defaultTreatment":"off","baselineTreatment":"off","trafficAllocation":100,
         "rules":[{"buckets":[{"treatment":"on","size":100}],"condition":{"combiner":"AND","matchers":[{"type":"IN_LIST_STRING","attribute":"state","strings":["PA","NY","MI","RI"]}]}}],
         "defaultRule":[{"treatment":"off","size":100}],
         "creationTime":1693573257812,"lastUpdateTime":1693573280574,"changeNumber":1693573280575}
        """;

    private static readonly Dictionary<string, string> Refs = new() { ["workspaceId"] = "ws-7", ["environmentId"] = EnvironmentId };

    /// <summary>The definition endpoint: PUT replaces the writable fields and moves the update time and change number on.</summary>
    private sealed class SplitDefinition
    {
        public JsonObject Stored { get; } = JsonNode.Parse(Definition)!.AsObject();

        public async Task Handle(RecordedRequest request, HttpContext context)
        {
            context.Response.ContentType = "application/json";
            if (request.Method == "PUT")
            {
                foreach (var (name, value) in JsonNode.Parse(request.Body)!.AsObject())
                {
                    if (name != "comment")
                    {
                        Stored[name] = value?.DeepClone();
                    }
                }

                Stored["lastUpdateTime"] = Stored["lastUpdateTime"]!.GetValue<long>() + 1000;
                Stored["changeNumber"] = Stored["changeNumber"]!.GetValue<long>() + 1000;
            }

            await context.Response.WriteAsync(Stored.ToJsonString());
        }
    }

    private static Dictionary<string, string?> Settings(LoopbackServer server) => new()
    {
        ["Providers:split:BaseUrl"] = BaseUrl(server),
        ["Providers:split:ApiToken"] = "split-admin-key",
    };

    private static readonly FlagBinding Flag = Binding("split", "flag_managed_by_github", Refs, environment: "Prod-Vacations");

    private static Task<RolloutHarness> Start(SplitDefinition split) => RolloutHarness.StartAsync(split.Handle, Settings, Flag);

    private static JsonNode ExpectedPut(string defaultRule, string comment)
    {
        var definition = JsonNode.Parse(Definition)!.AsObject();
        var body = new JsonObject();
        foreach (var field in new[] { "treatments", "defaultTreatment", "baselineTreatment", "trafficAllocation", "rules" })
        {
            body[field] = definition[field]!.DeepClone();
        }

        body["defaultRule"] = JsonNode.Parse(defaultRule);
        body["comment"] = comment;
        return body;
    }

    [Fact]
    public async Task Capture_gets_the_definition_with_the_admin_key_and_reports_the_default_rule()
    {
        await using var harness = await Start(new SplitDefinition());

        var snapshot = await harness.CaptureAsync();

        var get = Assert.Single(harness.Requests);
        Assert.Equal(("GET", DefinitionPath, ""), (get.Method, get.Path, get.Query));
        Assert.Equal("Bearer split-admin-key", get.Header("Authorization"));
        Assert.Equal((0, true, "default rule 100% 'off', after 1 targeting rule(s)"), (snapshot.RolloutPercent, snapshot.SupportsPercentages, snapshot.Summary));
    }

    [Fact]
    public async Task Set_10_50_100_then_restore_puts_the_definition_with_new_default_buckets_and_then_the_captured_one()
    {
        await using var harness = await Start(new SplitDefinition());

        var stages = await harness.StagesThenRestoreAsync(10, 50, 100);

        var requests = harness.Requests;
        Assert.Equal(["GET", "GET", "PUT", "GET", "GET", "PUT", "GET", "GET", "PUT", "GET", "GET", "PUT", "GET"], requests.Select(r => r.Method));
        Assert.All(requests, r => Assert.Equal((DefinitionPath, "", "Bearer split-admin-key"), (r.Path, r.Query, r.Header("Authorization"))));
        var puts = requests.Where(r => r.Method == "PUT").ToArray();
        Assert.All(puts, p => Assert.StartsWith("application/json", p.Header("Content-Type")));
        string[] rules =
        [
            "[{\"treatment\":\"on\",\"size\":10},{\"treatment\":\"off\",\"size\":90}]",
            "[{\"treatment\":\"on\",\"size\":50},{\"treatment\":\"off\",\"size\":50}]",
            "[{\"treatment\":\"on\",\"size\":100}]",
        ];
        for (var stage = 0; stage < 3; stage++)
        {
            var percent = new[] { 10, 50, 100 }[stage];
            Assert.True(JsonNode.DeepEquals(ExpectedPut(rules[stage], $"Release Guardian: stage {percent}%"), JsonNode.Parse(puts[stage].Body)), puts[stage].BodyText);
            Assert.Equal(percent, stages.Sets[stage].After!.RolloutPercent);
        }

        Assert.Equal("default rule 10% 'on' / 90% 'off', after 1 targeting rule(s)", stages.Sets[0].After!.Summary);
        stages.AssertRestoredExactly();
        Assert.True(JsonNode.DeepEquals(ExpectedPut("[{\"treatment\":\"off\",\"size\":100}]", "Release Guardian: No-Go"), JsonNode.Parse(puts[3].Body)), puts[3].BodyText);
    }

    [Fact]
    public async Task Setting_the_same_percentage_again_writes_nothing()
    {
        await using var harness = await Start(new SplitDefinition());

        var (again, sent) = await harness.SetTwiceAsync(10);

        Assert.True(again.Succeeded, again.Detail);
        Assert.Equal("GET", Assert.Single(sent).Method);
        Assert.Equal(10, again.After!.RolloutPercent);
    }

    [Fact]
    public async Task A_killed_flag_or_an_unknown_treatment_is_refused_without_writing()
    {
        var split = new SplitDefinition();
        await using var harness = await Start(split);
        var before = await harness.CaptureAsync();

        var unknownTreatment = await harness.SetAsync(before, 10, "v2");
        split.Stored["killed"] = true;
        var killed = await harness.SetAsync(before, 10);

        Assert.False(unknownTreatment.Succeeded);
        Assert.Contains("treatment 'v2' is not one of the flag's treatments (on, off)", unknownTreatment.Detail);
        Assert.False(killed.Succeeded);
        Assert.Contains("killed in this environment", killed.Detail);
        Assert.DoesNotContain(harness.Requests, r => r.Method == "PUT");
    }

    [Fact]
    public async Task The_fingerprint_ignores_the_update_time_and_change_number_and_notices_a_person_changing_the_buckets()
    {
        var split = new SplitDefinition();
        await using var harness = await Start(split);
        var first = await harness.CaptureAsync();

        split.Stored["lastUpdateTime"] = 1793573280574;
        split.Stored["changeNumber"] = 1793573280575;
        var untouched = await harness.CaptureAsync();
        split.Stored["defaultRule"] = JsonNode.Parse("[{\"treatment\":\"on\",\"size\":30},{\"treatment\":\"off\",\"size\":70}]");
        var changed = await harness.CaptureAsync();

        Assert.Equal(first.Fingerprint, untouched.Fingerprint);
        Assert.NotEqual(first.Fingerprint, changed.Fingerprint);
        Assert.Equal(30, changed.RolloutPercent);
    }

    [Fact]
    public async Task A_provider_error_fails_naming_the_flag_and_environment_without_the_key()
    {
        await using var harness = await RolloutHarness.FailingAsync(401, "{\"message\":\"token split-admin-key is not valid\"}", Settings, Flag);

        await harness.AssertFailsAsync($"Reading Split feature flag 'flag_managed_by_github' in environment '{EnvironmentId}' failed", "HTTP 401", "split-admin-key");
    }

    [Fact]
    public void For_any_percentage_the_buckets_sum_to_100_and_the_treatment_gets_exactly_that_share() =>
        Gen.Int[0, 100].Sample(percent =>
        {
            var buckets = SplitRollbackClient.BucketsOf(percent, "on", "off");
            Assert.Equal(100, buckets.Sum(b => b!["size"]!.GetValue<int>()));
            Assert.Equal(percent, buckets.Where(b => b!["treatment"]!.GetValue<string>() == "on").Sum(b => b!["size"]!.GetValue<int>()));
            Assert.All(buckets, b => Assert.True(b!["size"]!.GetValue<int>() > 0));
        });
}
