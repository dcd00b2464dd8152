using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RolloutClients;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class GrowthBookRolloutTests
{
    private const string Token = "secret_abc123DEF456";

    // A feature as GET /api/v1/features/{id} answers it, built from GrowthBook's OpenAPI schemas (Feature.yaml,
    // FeatureEnvironment.yaml, FeatureRolloutRule.yaml, FeatureForceRule.yaml in growthbook/growthbook
    // packages/back-end/src/api/openapi/schemas): production off with a force rule for staff and a 25% rollout by id;
    // dev on with no rules (it must never be touched).
    private const string Feature = """
        {"feature":{"id":"new-checkout","dateCreated":"2026-11-01T09:00:00.000Z","dateUpdated":"2026-11-20T10:00:00.000Z",
          "archived":false,"description":"","owner":"ada@example.org","project":"","valueType":"boolean","defaultValue":"false","tags":[],
          "environments":{
            "dev":{"enabled":true,"defaultValue":"false","rules":[],"definition":"{\"defaultValue\":false}"},
            "production":{"enabled":false,"defaultValue":"false","definition":"{\"defaultValue\":false}","rules":[
              {"id":"fr_staff","type":"force","description":"staff","condition":"{\"email\":{\"$regex\":\"@example.org$\"}}","savedGroupTargeting":[],"enabled":true,"value":"true"},
              {"id":"fr_beta","type":"rollout","description":"beta","condition":"","savedGroupTargeting":[{"matchType":"all","savedGroups":["grp_beta"]}],"enabled":true,"value":"true","coverage":0.25,"hashAttribute":"id"}]}},
          "revision":{"version":7,"comment":"","date":"2026-11-20T10:00:00.000Z","publishedBy":"ada@example.org"}}}
        """;

    [Fact]
    public async Task Capture_reads_the_feature_with_the_bearer_key_and_reports_the_rollout_rule()
    {
        await using var growthbook = await FakeGrowthBook.StartAsync(Feature);
        await using var services = Services(growthbook);

        var snapshot = await Of(services, "growthbook").CaptureAsync(Flag(), default);

        var request = Assert.Single(growthbook.Server.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/api/v1/features/new-checkout", request.Path);
        Assert.Equal("", request.Query);
        Assert.Equal($"Bearer {Token}", request.Header("Authorization"));
        Assert.Equal(0, snapshot.RolloutPercent);
        Assert.Equal("off in production, rollout rule 25% 'true', 1 other rule", snapshot.Summary);
    }

    [Fact]
    public async Task The_rollout_rule_coverage_goes_to_10_50_100_percent_and_the_restore_writes_the_captured_rules_back()
    {
        await using var growthbook = await FakeGrowthBook.StartAsync(Feature);
        await using var services = Services(growthbook);
        var client = Of(services, "growthbook");
        var before = await client.CaptureAsync(Flag(), default);
        var originalProduction = growthbook.Environment("production").ToJsonString();

        var ten = await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1", default);
        var fifty = await client.SetRolloutAsync(Flag(), before, 50, null, "stage 2", default);
        var all = await client.SetRolloutAsync(Flag(), before, 100, null, "stage 3", default);
        var restored = await client.RestoreAsync(Flag(), before, "No-Go", default);

        var writes = growthbook.Server.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(4, writes.Count);
        Assert.All(writes, w =>
        {
            Assert.Equal("/api/v1/features/new-checkout", w.Path);
            Assert.Equal($"Bearer {Token}", w.Header("Authorization"));
            Assert.StartsWith("application/json", w.Header("Content-Type"));
        });
        // The staff rule served nobody while production was off, so it stays out of the release.
        SameJson("""
            {"environments":{"production":{"enabled":true,"rules":[
              {"id":"fr_staff","type":"force","description":"staff","condition":"{\"email\":{\"$regex\":\"@example.org$\"}}","savedGroupTargeting":[],"enabled":false,"value":"true"},
              {"id":"fr_beta","type":"rollout","description":"beta","condition":"","savedGroupTargeting":[{"matchType":"all","savedGroups":["grp_beta"]}],"enabled":true,"value":"true","coverage":0.1,"hashAttribute":"id"}]}}}
            """, writes[0].BodyText);
        Assert.Contains("\"coverage\":0.5,", writes[1].BodyText);
        Assert.Contains("\"coverage\":1,", writes[2].BodyText);
        var restoreBody = new JsonObject { ["environments"] = new JsonObject { ["production"] = new JsonObject { ["enabled"] = false, ["rules"] = JsonNode.Parse(originalProduction)!["rules"]!.DeepClone() } } };
        SameJson(restoreBody.ToJsonString(), writes[3].BodyText);

        Assert.Equal((10, 50, 100), (ten.After!.RolloutPercent, fifty.After!.RolloutPercent, all.After!.RolloutPercent));
        Assert.Equal("on in production, rollout rule 10% 'true', 1 other rule", ten.After.Summary);
        Assert.True(restored.Succeeded, restored.Detail);
        Assert.Equal(before.Fingerprint, restored.After!.Fingerprint);
        Assert.Equal(before.State, restored.After.State);
        SameJson("""{"enabled":true,"defaultValue":"false","rules":[],"definition":"{\"defaultValue\":false}"}""", growthbook.Environment("dev").ToJsonString());
    }

    [Fact]
    public async Task A_feature_without_a_rollout_rule_gets_one_at_the_end_and_the_restore_removes_it()
    {
        // The same feature with production on and no rollout rule: only the staff rule.
        var feature = JsonNode.Parse(Feature)!;
        feature["feature"]!["environments"]!["production"]!["enabled"] = true;
        feature["feature"]!["environments"]!["production"]!["rules"]!.AsArray().RemoveAt(1);
        var forceOnly = feature.ToJsonString();
        await using var growthbook = await FakeGrowthBook.StartAsync(forceOnly);
        await using var services = Services(growthbook);
        var client = Of(services, "growthbook");
        var before = await client.CaptureAsync(Flag(), default);

        var ten = await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1", default);
        var again = await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1 again", default);
        var restored = await client.RestoreAsync(Flag(), before, "abort", default);

        var writes = growthbook.Server.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(2, writes.Count);
        // Production was on: the staff rule keeps serving; the new rule comes after it.
        SameJson("""
            {"environments":{"production":{"enabled":true,"rules":[
              {"id":"fr_staff","type":"force","description":"staff","condition":"{\"email\":{\"$regex\":\"@example.org$\"}}","savedGroupTargeting":[],"enabled":true,"value":"true"},
              {"type":"rollout","description":"Release Guardian rollout","condition":"","enabled":true,"value":"true","coverage":0.1,"hashAttribute":"id"}]}}}
            """, writes[0].BodyText);
        Assert.True(again.Succeeded, again.Detail);
        Assert.Equal(ten.After!.Fingerprint, again.After!.Fingerprint);
        Assert.Equal(before.Fingerprint, restored.After!.Fingerprint);
        Assert.Single(growthbook.Environment("production")["rules"]!.AsArray());
    }

    [Fact]
    public async Task The_fingerprint_changes_when_a_person_changes_a_rule_and_not_when_only_the_revision_or_dates_change()
    {
        await using var growthbook = await FakeGrowthBook.StartAsync(Feature);
        await using var services = Services(growthbook);
        var client = Of(services, "growthbook");
        var before = await client.CaptureAsync(Flag(), default);

        growthbook.Feature["dateUpdated"] = "2026-12-06T03:00:00.000Z";
        growthbook.Feature["revision"]!["version"] = 8;
        growthbook.Environment("production")["definition"] = "{\"defaultValue\":false,\"rules\":[]}";
        var touched = await client.CaptureAsync(Flag(), default);
        growthbook.Environment("production")["rules"]![1]!["coverage"] = 0.3;
        var changed = await client.CaptureAsync(Flag(), default);

        Assert.Equal(before.Fingerprint, touched.Fingerprint);
        Assert.NotEqual(before.Fingerprint, changed.Fingerprint);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(502)]
    public async Task A_refused_update_is_not_a_success_and_names_the_feature_and_status_without_the_key(int status)
    {
        await using var growthbook = await FakeGrowthBook.StartAsync(Feature, postStatus: status);
        await using var services = Services(growthbook);
        var client = Of(services, "growthbook");
        var before = await client.CaptureAsync(Flag(), default);

        var result = await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1", default);

        Assert.False(result.Succeeded);
        Assert.Contains("GrowthBook rollout of feature 'new-checkout' to 10% was not written", result.Detail);
        Assert.Contains($"HTTP {status}", result.Detail);
        Assert.DoesNotContain(Token, result.Detail);
    }

    [Fact]
    public async Task A_feature_without_the_environment_cannot_be_captured_and_says_which()
    {
        await using var growthbook = await FakeGrowthBook.StartAsync(Feature);
        await using var services = Services(growthbook);

        var error = await Assert.ThrowsAsync<FlagCaptureException>(() => Of(services, "growthbook").CaptureAsync(new FlagBinding("growthbook", "new-checkout", null, "staging"), default));

        Assert.Contains("no environment 'staging'", error.Message);
    }

    private static FlagBinding Flag() => new("growthbook", "new-checkout", null, "production");

    private static Microsoft.Extensions.DependencyInjection.ServiceProvider Services(FakeGrowthBook growthbook) => Build(new Dictionary<string, string?>
    {
        ["Providers:growthbook:BaseUrl"] = BaseUrl(growthbook.Server),
        ["Providers:growthbook:ApiToken"] = Token,
    });

    /// <summary>
    /// The GrowthBook REST API v1 for one feature: GET answers it; POST with <c>environments</c> replaces each named
    /// environment's enabled and rules (new rules get an id), publishes a new revision and bumps dateUpdated.
    /// </summary>
    private sealed class FakeGrowthBook : IAsyncDisposable
    {
        private int _ids;

        private FakeGrowthBook(string feature) => Feature = JsonNode.Parse(feature)!["feature"]!.AsObject();

        public JsonObject Feature { get; }

        public LoopbackServer Server { get; private set; } = null!;

        public JsonObject Environment(string name) => Feature["environments"]![name]!.AsObject();

        public static async Task<FakeGrowthBook> StartAsync(string feature, int postStatus = 200)
        {
            var fake = new FakeGrowthBook(feature);
            fake.Server = await StatefulJsonServer(request =>
            {
                if (request.Method == "POST" && postStatus != 200)
                {
                    return (postStatus, $$"""{"message":"key {{Token}} may not publish"}""");
                }

                if (request.Method == "POST")
                {
                    fake.Apply(JsonNode.Parse(request.BodyText)!.AsObject());
                }

                return (200, new JsonObject { ["feature"] = fake.Feature.DeepClone() }.ToJsonString());
            });
            return fake;
        }

        public ValueTask DisposeAsync() => Server.DisposeAsync();

        private void Apply(JsonObject update)
        {
            foreach (var (name, change) in update["environments"]!.AsObject())
            {
                var environment = Environment(name);
                environment["enabled"] = change!["enabled"]!.GetValue<bool>();
                var rules = change["rules"]!.DeepClone().AsArray();
                foreach (var rule in rules.OfType<JsonObject>().Where(r => r["id"] is null))
                {
                    rule["id"] = $"fr_new{++_ids}";
                }

                environment["rules"] = rules;
            }

            Feature["dateUpdated"] = "2026-12-06T03:10:00.000Z";
            Feature["revision"]!["version"] = Feature["revision"]!["version"]!.GetValue<int>() + 1;
        }
    }
}
