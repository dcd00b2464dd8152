using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Rollback;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class ConfigCatRolloutTests
{
    private const string ValuePath = "/v2/environments/08d8becf-d4d9-4c66-8b48-6ac74cd95fba/settings/1207/value";

    // The boolean flag of ConfigCat's v2 "Replace value" reference
    // (https://configcat.com/docs/api/reference/replace-setting-value-v-2/): default false and one targeting rule by email.
    private const string Formula =
        "{\"defaultValue\":{\"boolValue\":false},\"targetingRules\":[{\"conditions\":[{\"userCondition\":{\"comparisonAttribute\":\"Email\"," +
        "\"comparator\":\"sensitiveTextEquals\",\"comparisonValue\":{\"stringValue\":\"ada@example.org\"}}}],\"percentageOptions\":[]," +
        "\"value\":{\"boolValue\":true}}],\"percentageEvaluationAttribute\":null}";

    private static readonly FlagBinding Flag = Binding("configcat", "newCheckout", new Dictionary<string, string>
    {
        ["environmentId"] = "08d8becf-d4d9-4c66-8b48-6ac74cd95fba",
        ["settingId"] = "1207",
    });

    private static Task<RolloutHarness> Start(ConfigCatValue value) => RolloutHarness.StartAsync(value.Handle, Settings, Flag);

    /// <summary>
    /// The v2 value endpoint: GET answers the formula with the metadata the SettingFormulaModel carries (setting,
    /// updatedAt, lastVersionId, ...); PUT replaces the formula and moves the version on.
    /// </summary>
    private sealed class ConfigCatValue
    {
        public JsonObject Formula { get; set; } = JsonNode.Parse(ConfigCatRolloutTests.Formula)!.AsObject();

        public int Version { get; set; } = 1;

        public async Task Handle(RecordedRequest request, HttpContext context)
        {
            context.Response.ContentType = "application/json";
            if (request.Method == "PUT")
            {
                Formula = JsonNode.Parse(request.Body)!.AsObject();
                Version++;
            }

            var body = Formula.DeepClone().AsObject();
            body["setting"] = new JsonObject { ["settingId"] = 1207, ["key"] = "newCheckout", ["name"] = "New checkout", ["settingType"] = "boolean" };
            body["updatedAt"] = $"2026-12-0{Math.Min(Version, 9)}T08:00:00Z";
            body["lastVersionId"] = $"b7a2c7d4-0000-0000-0000-00000000000{Version % 10}";
            body["lastUpdaterUserEmail"] = "ada@example.org";
            await context.Response.WriteAsync(body.ToJsonString());
        }
    }

    private static Dictionary<string, string?> Settings(LoopbackServer server) => new()
    {
        ["Providers:configcat:BaseUrl"] = BaseUrl(server),
        ["Providers:configcat:Username"] = "cc-user",
        ["Providers:configcat:Password"] = "cc-password-secret",
    };

    private static void AssertAuthorized(RecordedRequest request) =>
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("cc-user:cc-password-secret")), request.Header("Authorization"));

    private static JsonNode WithPercentageRule(int percent)
    {
        var expected = JsonNode.Parse(Formula)!;
        expected["targetingRules"]!.AsArray().Add(JsonNode.Parse(
            $"{{\"conditions\":[],\"percentageOptions\":[{{\"percentage\":{percent},\"value\":{{\"boolValue\":true}}}},{{\"percentage\":{100 - percent},\"value\":{{\"boolValue\":false}}}}],\"value\":null}}"));
        return expected;
    }

    [Fact]
    public async Task Capture_gets_the_v2_value_with_basic_auth_and_reports_the_default_value()
    {
        await using var harness = await Start(new ConfigCatValue());

        var snapshot = await harness.CaptureAsync();

        var get = Assert.Single(harness.Requests);
        Assert.Equal(("GET", ValuePath, ""), (get.Method, get.Path, get.Query));
        AssertAuthorized(get);
        Assert.Equal((0, true, "default value 'false', after 1 targeting rule(s)"), (snapshot.RolloutPercent, snapshot.SupportsPercentages, snapshot.Summary));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Formula), JsonNode.Parse(snapshot.State)), snapshot.State);
    }

    [Fact]
    public async Task Set_10_50_100_then_restore_puts_a_percentage_only_rule_after_the_existing_rules_and_then_the_captured_formula()
    {
        var value = new ConfigCatValue();
        await using var harness = await Start(value);

        var stages = await harness.StagesThenRestoreAsync(10, 50, 100);

        var requests = harness.Requests;
        Assert.All(requests, AssertAuthorized);
        Assert.All(requests, r => Assert.Equal(ValuePath, r.Path));
        Assert.Equal(["GET", "GET", "PUT", "GET", "GET", "PUT", "GET", "GET", "PUT", "GET", "GET", "PUT", "GET"], requests.Select(r => r.Method));
        var puts = requests.Where(r => r.Method == "PUT").ToArray();
        Assert.Equal("?reason=Release%20Guardian%3A%20stage%2010%25", puts[0].Query);
        Assert.All(puts, p => Assert.StartsWith("application/json", p.Header("Content-Type")));
        for (var stage = 0; stage < 3; stage++)
        {
            var percent = new[] { 10, 50, 100 }[stage];
            Assert.True(JsonNode.DeepEquals(WithPercentageRule(percent), JsonNode.Parse(puts[stage].Body)), puts[stage].BodyText);
            Assert.Equal(percent, stages.Sets[stage].After!.RolloutPercent);
        }

        Assert.Equal("percentage options 10% 'true' / 90% 'false', after 1 targeting rule(s)", stages.Sets[0].After!.Summary);
        stages.AssertRestoredExactly();
        Assert.Equal("?reason=Release%20Guardian%3A%20No-Go", puts[3].Query);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Formula), JsonNode.Parse(puts[3].Body)), puts[3].BodyText);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Formula), value.Formula));
    }

    [Fact]
    public async Task Setting_the_same_percentage_again_writes_nothing()
    {
        await using var harness = await Start(new ConfigCatValue());

        var (again, sent) = await harness.SetTwiceAsync(10);

        Assert.True(again.Succeeded, again.Detail);
        Assert.Equal("GET", Assert.Single(sent).Method);
        Assert.Equal(10, again.After!.RolloutPercent);
    }

    [Fact]
    public async Task The_fingerprint_ignores_version_and_update_time_and_notices_a_person_changing_the_percentages()
    {
        var value = new ConfigCatValue();
        await using var harness = await Start(value);
        var at10 = (await harness.SetAsync(await harness.CaptureAsync(), 10)).After!;

        value.Version += 2;
        var untouched = await harness.CaptureAsync();
        value.Formula["targetingRules"]![1]!["percentageOptions"]![0]!["percentage"] = 30;
        value.Formula["targetingRules"]![1]!["percentageOptions"]![1]!["percentage"] = 70;
        var changed = await harness.CaptureAsync();

        Assert.Equal(at10.Fingerprint, untouched.Fingerprint);
        Assert.NotEqual(at10.Fingerprint, changed.Fingerprint);
        Assert.Equal(30, changed.RolloutPercent);
    }

    [Fact]
    public async Task A_text_setting_rolls_out_the_named_variant_against_its_default_value()
    {
        var value = new ConfigCatValue { Formula = JsonNode.Parse("{\"defaultValue\":{\"stringValue\":\"classic\"},\"targetingRules\":[],\"percentageEvaluationAttribute\":\"Country\"}")!.AsObject() };
        await using var harness = await Start(value);
        var before = await harness.CaptureAsync();

        var result = await harness.SetAsync(before, 25, "streamlined");

        Assert.True(result.Succeeded, result.Detail);
        var expected = JsonNode.Parse(
            "{\"defaultValue\":{\"stringValue\":\"classic\"},\"targetingRules\":[{\"conditions\":[],\"percentageOptions\":[{\"percentage\":25,\"value\":{\"stringValue\":\"streamlined\"}}," +
            "{\"percentage\":75,\"value\":{\"stringValue\":\"classic\"}}],\"value\":null}],\"percentageEvaluationAttribute\":\"Country\"}");
        Assert.True(JsonNode.DeepEquals(expected, value.Formula), value.Formula.ToJsonString());
        Assert.Null(before.RolloutPercent);
    }

    [Fact]
    public async Task A_provider_error_fails_naming_the_setting_and_the_status_without_the_password()
    {
        await using var harness = await RolloutHarness.FailingAsync(400, "{\"message\":\"invalid credentials cc-password-secret\"}", Settings, Flag);

        var (captured, _) = await harness.AssertFailsAsync(
            "Reading ConfigCat setting 'newCheckout' (id 1207) in environment 08d8becf-d4d9-4c66-8b48-6ac74cd95fba failed", "HTTP 400", "cc-password-secret");
        var restore = await harness.RestoreAsync(captured);

        Assert.False(restore.Succeeded);
        Assert.Equal(2, harness.Requests.Count);
    }

    [Fact]
    public async Task Without_the_setting_id_nothing_is_sent_and_the_detail_names_where_it_belongs()
    {
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(Settings(server));

        var result = await Rollout(services, "configcat").SetRolloutAsync(
            Binding("configcat", "newCheckout", new Dictionary<string, string> { ["environmentId"] = "e" }),
            new FlagRolloutSnapshot("configcat", "{}", 0, "", true, ""), 10, null, "stage", default);

        Assert.False(result.Succeeded);
        Assert.Contains("settingId of flag 'newCheckout' is unknown: set it in flag.settings", result.Detail);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void For_any_percentage_the_options_sum_to_100_and_the_rolled_out_value_gets_exactly_that_share() =>
        Gen.Int[0, 100].Sample(percent =>
        {
            var edit = ConfigCatRollbackClient.WithPercentageRule(Formula, percent, null);
            Assert.Null(edit.Problem);
            var options = edit.Update!["targetingRules"]![1]!["percentageOptions"]!.AsArray();
            Assert.Equal(100, options.Sum(o => o!["percentage"]!.GetValue<int>()));
            Assert.Equal(percent, options.Where(o => o!["value"]!["boolValue"]!.GetValue<bool>()).Sum(o => o!["percentage"]!.GetValue<int>()));
        });
}
