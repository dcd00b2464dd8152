using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Rollback;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.AppConfigurationStore;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class AzureAppConfigRolloutTests
{
    // A disabled flag with no filters, in the feature management schema the portal writes
    // (https://learn.microsoft.com/azure/azure-app-configuration/manage-feature-flags); spaces as the portal leaves them,
    // so a byte-for-byte restore is visible.
    private const string DisabledFlag =
        "{\"id\": \"new-checkout\", \"description\": \"New checkout\", \"enabled\": false, \"conditions\": {\"client_filters\": []}}";

    // The targeting filter as microsoft/FeatureManagement-Python's targeting tests configure it (Users, Groups with
    // their own percentage, DefaultRolloutPercentage, Exclusion).
    private const string TargetedFlag =
        "{\"id\":\"new-checkout\",\"enabled\":true,\"conditions\":{\"client_filters\":[{\"name\":\"Microsoft.Targeting\",\"parameters\":{\"Audience\":" +
        "{\"Users\":[\"Adam\"],\"Groups\":[{\"Name\":\"Stage1\",\"RolloutPercentage\":100}],\"DefaultRolloutPercentage\":50,\"Exclusion\":{\"Users\":[],\"Groups\":[]}}}}]}}";

    private static readonly FlagBinding Flag = Binding("azureappconfig", "new-checkout", new Dictionary<string, string> { ["label"] = "prod" });

    private static Task<RolloutHarness> Start(AppConfigurationStore store) => RolloutHarness.StartAsync(store.Handle, HmacSettings, Flag);

    private static JsonNode TargetingAt(int percent) => JsonNode.Parse(
        "{\"id\": \"new-checkout\", \"description\": \"New checkout\", \"enabled\": true, \"conditions\": {\"client_filters\": [" +
        "{\"name\":\"Microsoft.Targeting\",\"parameters\":{\"Audience\":{\"Users\":[],\"Groups\":[],\"DefaultRolloutPercentage\":" + percent + "}}}]}}")!;

    private static void AssertReadOf(RecordedRequest get)
    {
        Assert.Equal("GET", get.Method);
        Assert.Equal("/kv/.appconfig.featureflag%2Fnew-checkout", get.Path);
        Assert.Equal("?label=prod&api-version=1.0", get.Query);
        AssertSignedCorrectly(get);
    }

    private static void AssertWriteOf(RecordedRequest put, string etag, JsonNode expectedValue)
    {
        Assert.Equal("PUT", put.Method);
        Assert.Equal("/kv/.appconfig.featureflag%2Fnew-checkout", put.Path);
        Assert.Equal("?label=prod&api-version=1.0", put.Query);
        Assert.Equal(etag, put.Header("If-Match"));
        Assert.StartsWith("application/vnd.microsoft.appconfig.kv+json", put.Header("Content-Type"));
        AssertSignedCorrectly(put);
        var body = JsonNode.Parse(put.Body)!.AsObject();
        Assert.Equal(["value", "content_type", "tags"], body.Select(p => p.Key));
        Assert.Equal("application/vnd.microsoft.appconfig.ff+json;charset=utf-8", body["content_type"]!.GetValue<string>());
        Assert.Equal("team-checkout", body["tags"]!["owner"]!.GetValue<string>());
        var value = JsonNode.Parse(body["value"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(expectedValue, value), value!.ToJsonString());
    }

    [Fact]
    public async Task Capture_reads_the_flag_signed_and_says_a_disabled_flag_serves_nobody()
    {
        await using var harness = await Start(new AppConfigurationStore(DisabledFlag));

        var snapshot = await harness.CaptureAsync();

        AssertReadOf(Assert.Single(harness.Requests));
        Assert.Equal(("azureappconfig", 0, true, "disabled"), (snapshot.Provider, snapshot.RolloutPercent, snapshot.SupportsPercentages, snapshot.Summary));
        Assert.Equal(DisabledFlag, JsonNode.Parse(snapshot.State)!["value"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{64}$", snapshot.Fingerprint);
    }

    [Fact]
    public async Task Set_10_50_100_then_restore_adds_the_targeting_filter_moves_its_percentage_and_writes_the_captured_value_back_exactly()
    {
        var store = new AppConfigurationStore(DisabledFlag);
        await using var harness = await Start(store);

        var stages = await harness.StagesThenRestoreAsync(10, 50, 100);

        // Each write: read (etag), PUT with If-Match on it, read back.
        var requests = harness.Requests;
        Assert.Equal(1 + 4 * 3, requests.Count);
        for (var stage = 0; stage < 3; stage++)
        {
            AssertReadOf(requests[1 + 3 * stage]);
            AssertWriteOf(requests[2 + 3 * stage], $"\"etag-{stage + 1}\"", TargetingAt(new[] { 10, 50, 100 }[stage]));
            AssertReadOf(requests[3 + 3 * stage]);
        }

        Assert.Equal([10, 50, 100], stages.Sets.Select(r => r.After!.RolloutPercent));
        Assert.Equal("enabled, Microsoft.Targeting DefaultRolloutPercentage 10%", stages.Sets[0].After!.Summary);
        stages.AssertRestoredExactly();
        Assert.Equal("\"etag-4\"", requests[11].Header("If-Match"));
        Assert.Equal(DisabledFlag, store.Value);
    }

    [Fact]
    public async Task Setting_the_same_percentage_again_reads_but_writes_nothing()
    {
        var store = new AppConfigurationStore(DisabledFlag);
        await using var harness = await Start(store);

        var (again, sent) = await harness.SetTwiceAsync(10);

        Assert.True(again.Succeeded, again.Detail);
        Assert.Equal("GET", Assert.Single(sent).Method);
        Assert.Equal(2, store.Version);
        Assert.Equal(10, again.After!.RolloutPercent);
    }

    [Fact]
    public async Task An_existing_targeting_filter_keeps_its_users_groups_and_exclusions_only_the_default_percentage_moves()
    {
        await using var harness = await Start(new AppConfigurationStore(TargetedFlag));
        var before = await harness.CaptureAsync();

        var result = await harness.SetAsync(before, 10);

        Assert.Equal(50, before.RolloutPercent);
        Assert.Equal("enabled, Microsoft.Targeting DefaultRolloutPercentage 50% plus 1 user(s) and 1 group(s)", before.Summary);
        var expected = JsonNode.Parse(TargetedFlag)!;
        expected["conditions"]!["client_filters"]![0]!["parameters"]!["Audience"]!["DefaultRolloutPercentage"] = 10;
        AssertWriteOf(harness.Requests[2], "\"etag-1\"", expected);
        Assert.Equal(10, result.After!.RolloutPercent);
    }

    [Fact]
    public async Task The_fingerprint_changes_when_a_person_changes_the_rollout_and_not_when_only_the_etag_and_timestamp_move()
    {
        var store = new AppConfigurationStore(TargetedFlag);
        await using var harness = await Start(store);
        var first = await harness.CaptureAsync();

        store.Version += 3; // a new etag and last_modified, same value
        var untouched = await harness.CaptureAsync();
        store.Value = TargetedFlag.Replace("\"DefaultRolloutPercentage\":50", "\"DefaultRolloutPercentage\":60", StringComparison.Ordinal);
        var changed = await harness.CaptureAsync();

        Assert.Equal(first.Fingerprint, untouched.Fingerprint);
        Assert.NotEqual(first.Fingerprint, changed.Fingerprint);
        Assert.Equal(60, changed.RolloutPercent);
    }

    [Fact]
    public async Task A_restore_that_meets_a_concurrent_write_re_reads_and_writes_with_the_new_etag()
    {
        var store = new AppConfigurationStore(DisabledFlag);
        await using var harness = await Start(store);
        var before = await harness.CaptureAsync();
        await harness.SetAsync(before, 50);
        store.BeforeNextPut = () => store.Version++;

        var restored = await harness.RestoreAsync(before);

        Assert.True(restored.Succeeded, restored.Detail);
        // The stage wrote on etag-1; the restore read etag-2, met a concurrent writer (412), read etag-3 and wrote on it.
        var puts = harness.Requests.Where(r => r.Method == "PUT").ToArray();
        Assert.Equal(["\"etag-1\"", "\"etag-2\"", "\"etag-3\""], puts.Select(p => p.Header("If-Match")));
        Assert.Equal(DisabledFlag, store.Value);
    }

    [Fact]
    public async Task A_provider_error_fails_naming_the_flag_and_the_status_without_the_secret()
    {
        await using var harness = await RolloutHarness.FailingAsync(500, "{\"detail\":\"bad key " + Secret + "\"}", HmacSettings, Flag);

        var (captured, _) = await harness.AssertFailsAsync("Reading feature flag 'new-checkout' (label 'prod') failed", "HTTP 500", Secret);

        Assert.Contains("Reading feature flag 'new-checkout' (label 'prod') failed", captured.Summary);
        Assert.DoesNotContain(harness.Requests, r => r.Method == "PUT");
    }

    [Theory]
    [InlineData(10, "treatment")]
    [InlineData(101, null)]
    [InlineData(-1, null)]
    public async Task A_variant_or_a_percentage_outside_0_to_100_is_refused_before_anything_is_sent(int percent, string? variant)
    {
        await using var harness = await Start(new AppConfigurationStore(DisabledFlag));

        var result = await harness.SetAsync(new FlagRolloutSnapshot("azureappconfig", "{}", 0, "", true, "disabled"), percent, variant);

        Assert.False(result.Succeeded);
        Assert.Contains(variant is null ? "between 0 and 100" : "variant 'treatment'", result.Detail);
        Assert.Empty(harness.Requests);
    }

    [Fact]
    public async Task Restoring_an_unknown_state_fails_without_writing()
    {
        await using var harness = await Start(new AppConfigurationStore(DisabledFlag));

        var result = await harness.RestoreAsync(new FlagRolloutSnapshot("azureappconfig", "", null, "", false, "state unknown: HTTP 500"));

        Assert.False(result.Succeeded);
        Assert.Contains("pre-release state is unknown", result.Detail);
        Assert.Empty(harness.Requests);
    }
}
