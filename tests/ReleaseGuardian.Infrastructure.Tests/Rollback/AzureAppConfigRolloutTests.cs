using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Releases;
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

    private static readonly Dictionary<string, string> ProdLabel = new() { ["label"] = "prod" };

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
        var store = new AppConfigurationStore(DisabledFlag);
        await using var server = await LoopbackServer.StartAsync(store.Handle);
        await using var services = Build(HmacSettings(server));

        var snapshot = await Rollout(services, "azureappconfig").CaptureAsync(Binding("azureappconfig", "new-checkout", ProdLabel), default);

        AssertReadOf(Assert.Single(server.Requests));
        Assert.Equal(("azureappconfig", 0, true, "disabled"), (snapshot.Provider, snapshot.RolloutPercent, snapshot.SupportsPercentages, snapshot.Summary));
        Assert.Equal(DisabledFlag, JsonNode.Parse(snapshot.State)!["value"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{64}$", snapshot.Fingerprint);
    }

    [Fact]
    public async Task Set_10_50_100_then_restore_adds_the_targeting_filter_moves_its_percentage_and_writes_the_captured_value_back_exactly()
    {
        var store = new AppConfigurationStore(DisabledFlag);
        await using var server = await LoopbackServer.StartAsync(store.Handle);
        await using var services = Build(HmacSettings(server));
        var client = Rollout(services, "azureappconfig");
        var flag = Binding("azureappconfig", "new-checkout", ProdLabel);
        var before = await client.CaptureAsync(flag, default);

        var results = new List<RolloutWriteResult>();
        foreach (var percent in new[] { 10, 50, 100 })
        {
            results.Add(await client.SetRolloutAsync(flag, before, percent, null, "stage", default));
        }

        var restored = await client.RestoreAsync(flag, before, "No-Go", default);

        // Each write: read (etag), PUT with If-Match on it, read back.
        var requests = server.Requests;
        Assert.Equal(1 + 4 * 3, requests.Count);
        for (var stage = 0; stage < 3; stage++)
        {
            AssertReadOf(requests[1 + 3 * stage]);
            AssertWriteOf(requests[2 + 3 * stage], $"\"etag-{stage + 1}\"", TargetingAt(new[] { 10, 50, 100 }[stage]));
            AssertReadOf(requests[3 + 3 * stage]);
        }

        Assert.Equal([10, 50, 100], results.Select(r => r.After!.RolloutPercent));
        Assert.All(results, r => Assert.True(r.Succeeded, r.Detail));
        Assert.Equal("enabled, Microsoft.Targeting DefaultRolloutPercentage 10%", results[0].After!.Summary);

        Assert.True(restored.Succeeded, restored.Detail);
        Assert.Equal("\"etag-4\"", requests[11].Header("If-Match"));
        Assert.Equal(DisabledFlag, store.Value);
        Assert.Equal(before.Fingerprint, restored.After!.Fingerprint);
        Assert.Equal(before.State, restored.After.State);
    }

    [Fact]
    public async Task Setting_the_same_percentage_again_reads_but_writes_nothing()
    {
        var store = new AppConfigurationStore(DisabledFlag);
        await using var server = await LoopbackServer.StartAsync(store.Handle);
        await using var services = Build(HmacSettings(server));
        var client = Rollout(services, "azureappconfig");
        var flag = Binding("azureappconfig", "new-checkout", ProdLabel);
        var before = await client.CaptureAsync(flag, default);
        await client.SetRolloutAsync(flag, before, 10, null, "stage", default);
        var valueAfterFirst = store.Value;
        var count = server.Requests.Count;

        var again = await client.SetRolloutAsync(flag, before, 10, null, "stage (retried activity)", default);

        Assert.True(again.Succeeded, again.Detail);
        Assert.Equal("GET", Assert.Single(server.Requests.Skip(count)).Method);
        Assert.Equal(valueAfterFirst, store.Value);
        Assert.Equal(10, again.After!.RolloutPercent);
    }

    [Fact]
    public async Task An_existing_targeting_filter_keeps_its_users_groups_and_exclusions_only_the_default_percentage_moves()
    {
        var store = new AppConfigurationStore(TargetedFlag);
        await using var server = await LoopbackServer.StartAsync(store.Handle);
        await using var services = Build(HmacSettings(server));
        var client = Rollout(services, "azureappconfig");
        var flag = Binding("azureappconfig", "new-checkout", ProdLabel);
        var before = await client.CaptureAsync(flag, default);

        var result = await client.SetRolloutAsync(flag, before, 10, null, "stage", default);

        Assert.Equal(50, before.RolloutPercent);
        Assert.Equal("enabled, Microsoft.Targeting DefaultRolloutPercentage 50% plus 1 user(s) and 1 group(s)", before.Summary);
        var expected = JsonNode.Parse(TargetedFlag)!;
        expected["conditions"]!["client_filters"]![0]!["parameters"]!["Audience"]!["DefaultRolloutPercentage"] = 10;
        AssertWriteOf(server.Requests[2], "\"etag-1\"", expected);
        Assert.Equal(10, result.After!.RolloutPercent);
    }

    [Fact]
    public async Task The_fingerprint_changes_when_a_person_changes_the_rollout_and_not_when_only_the_etag_and_timestamp_move()
    {
        var store = new AppConfigurationStore(TargetedFlag);
        await using var server = await LoopbackServer.StartAsync(store.Handle);
        await using var services = Build(HmacSettings(server));
        var client = Rollout(services, "azureappconfig");
        var flag = Binding("azureappconfig", "new-checkout", ProdLabel);
        var first = await client.CaptureAsync(flag, default);

        store.Version += 3; // a new etag and last_modified, same value
        var untouched = await client.CaptureAsync(flag, default);
        store.Value = TargetedFlag.Replace("\"DefaultRolloutPercentage\":50", "\"DefaultRolloutPercentage\":60", StringComparison.Ordinal);
        var changed = await client.CaptureAsync(flag, default);

        Assert.Equal(first.Fingerprint, untouched.Fingerprint);
        Assert.NotEqual(first.Fingerprint, changed.Fingerprint);
        Assert.Equal(60, changed.RolloutPercent);
    }

    [Fact]
    public async Task A_restore_that_meets_a_concurrent_write_re_reads_and_writes_with_the_new_etag()
    {
        var store = new AppConfigurationStore(DisabledFlag);
        await using var server = await LoopbackServer.StartAsync(store.Handle);
        await using var services = Build(HmacSettings(server));
        var client = Rollout(services, "azureappconfig");
        var flag = Binding("azureappconfig", "new-checkout", ProdLabel);
        var before = await client.CaptureAsync(flag, default);
        await client.SetRolloutAsync(flag, before, 50, null, "stage", default);
        store.BeforeNextPut = () => store.Version++;

        var restored = await client.RestoreAsync(flag, before, "abort", default);

        Assert.True(restored.Succeeded, restored.Detail);
        var puts = server.Requests.Where(r => r.Method == "PUT").ToArray();
        Assert.Equal(["\"etag-1\"", "\"etag-2\"", "\"etag-3\""], puts.Select(p => p.Header("If-Match")));
        Assert.Equal(DisabledFlag, store.Value);
    }

    [Fact]
    public async Task A_provider_error_fails_naming_the_flag_and_the_status_without_the_secret()
    {
        await using var server = await ServerAnswering("{\"detail\":\"bad key " + Secret + "\"}", 500);
        await using var services = Build(HmacSettings(server));
        var client = Rollout(services, "azureappconfig");
        var flag = Binding("azureappconfig", "new-checkout", ProdLabel);

        var captured = await client.CaptureAsync(flag, default);
        var set = await client.SetRolloutAsync(flag, captured, 10, null, "stage", default);

        Assert.True(RollbackClientBase.IsUnknown(captured));
        Assert.Contains("Reading feature flag 'new-checkout' (label 'prod') failed", captured.Summary);
        Assert.False(set.Succeeded);
        Assert.Contains("HTTP 500", set.Detail);
        Assert.Contains("new-checkout", set.Detail);
        Assert.DoesNotContain(Secret, set.Detail + captured.Summary);
        Assert.DoesNotContain(server.Requests, r => r.Method == "PUT");
    }

    [Theory]
    [InlineData(10, "treatment")]
    [InlineData(101, null)]
    [InlineData(-1, null)]
    public async Task A_variant_or_a_percentage_outside_0_to_100_is_refused_before_anything_is_sent(int percent, string? variant)
    {
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(HmacSettings(server));
        var client = Rollout(services, "azureappconfig");
        var snapshot = new FlagRolloutSnapshot("azureappconfig", "{}", 0, "", true, "disabled");

        var result = await client.SetRolloutAsync(Binding("azureappconfig", "new-checkout", ProdLabel), snapshot, percent, variant, "stage", default);

        Assert.False(result.Succeeded);
        Assert.Contains(variant is null ? "between 0 and 100" : "variant 'treatment'", result.Detail);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Restoring_an_unknown_state_fails_without_writing()
    {
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(HmacSettings(server));
        var unknown = new FlagRolloutSnapshot("azureappconfig", "", null, "", false, "state unknown: HTTP 500");

        var result = await Rollout(services, "azureappconfig").RestoreAsync(Binding("azureappconfig", "new-checkout", ProdLabel), unknown, "abort", default);

        Assert.False(result.Succeeded);
        Assert.Contains("pre-release state is unknown", result.Detail);
        Assert.Empty(server.Requests);
    }
}
