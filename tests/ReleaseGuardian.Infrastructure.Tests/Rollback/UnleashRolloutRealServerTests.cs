using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RolloutClients;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

/// <summary>
/// The Unleash rollout client against the real Unleash 8 on PostgreSQL that eng/test.sh starts (eng/unleash.sh):
/// the person ('release-manager' token) sets the feature up, Release Guardian ('release-guardian' token) rolls it out
/// and restores it. Nothing on the Unleash side is simulated.
/// </summary>
public sealed class UnleashRolloutRealServerTests
{
    private const string Environment = "development";

    [Fact]
    public async Task A_real_Unleash_feature_is_rolled_out_10_then_50_percent_and_restored_to_its_exact_strategies_and_off()
    {
        var baseUrl = RealSystem.Require(RealSystem.UnleashUrl, "Unleash").TrimEnd('/');
        var person = new HttpClient { BaseAddress = new Uri(baseUrl + "/") };
        person.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", RealSystem.Require(RealSystem.UnleashOperatorToken, "Unleash"));
        var feature = "rollout-" + Guid.NewGuid().ToString("N")[..12];
        var strategiesPath = $"api/admin/projects/default/features/{feature}/environments/{Environment}/strategies";

        // The person's flag: off, a flexibleRollout for the web app limited to a segment, and an office strategy.
        (await person.PostAsJsonAsync("api/admin/projects/default/features", new { name = feature, type = "release" })).EnsureSuccessStatusCode();
        var segment = await ReadAsync(await person.PostAsJsonAsync("api/admin/segments", new
        {
            name = feature + "-beta",
            constraints = new[] { new { contextName = "userId", @operator = "IN", values = new[] { "beta-1", "beta-2" } } },
        }));
        (await person.PostAsync(strategiesPath, JsonBody($$"""
            {"name":"flexibleRollout","title":"web beta","constraints":[{"contextName":"appName","operator":"IN","values":["web"]}],
             "parameters":{"rollout":"25","stickiness":"userId","groupId":"{{feature}}"},"segments":[{{segment["id"]}}]}
            """))).EnsureSuccessStatusCode();
        (await person.PostAsync(strategiesPath, JsonBody("""{"name":"remoteAddress","title":"office","constraints":[],"parameters":{"IPs":"10.0.0.1,10.0.0.2"}}"""))).EnsureSuccessStatusCode();
        var original = await StrategiesAsync(person, strategiesPath);

        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:unleash:BaseUrl"] = baseUrl,
            ["Providers:unleash:ApiToken"] = RealSystem.Require(RealSystem.UnleashAdminToken, "Unleash"),
        });
        var client = Of(services, "unleash");
        var flag = new FlagBinding("unleash", feature, "default", Environment);

        var before = await client.CaptureAsync(flag, default);
        Assert.Equal(0, before.RolloutPercent);
        Assert.Equal("off in development, flexibleRollout 25%, 1 other strategy", before.Summary);

        var ten = await client.SetRolloutAsync(flag, before, 10, null, "stage 1/3", default);
        Assert.True(ten.Succeeded, ten.Detail);
        Assert.Equal(10, ten.After!.RolloutPercent);
        var atTen = await StrategiesAsync(person, strategiesPath);
        Assert.True(await EnabledAsync(person, feature));
        Assert.Equal("10", atTen[0]["parameters"]!["rollout"]!.GetValue<string>());
        // Unleash keeps the constraint, the segment and the stickiness of the person's strategy.
        Assert.True(JsonNode.DeepEquals(original[0]["constraints"], atTen[0]["constraints"]));
        Assert.True(JsonNode.DeepEquals(original[0]["segments"], atTen[0]["segments"]));
        Assert.Equal("userId", atTen[0]["parameters"]!["stickiness"]!.GetValue<string>());
        // The office strategy served nobody while the flag was off; it stays that way during the release.
        Assert.True(atTen[1]["disabled"]!.GetValue<bool>());
        Assert.Equal(2, atTen.Count);

        var fifty = await client.SetRolloutAsync(flag, before, 50, null, "stage 2/3", default);
        Assert.True(fifty.Succeeded, fifty.Detail);
        Assert.Equal(50, fifty.After!.RolloutPercent);
        Assert.Equal("50", (await StrategiesAsync(person, strategiesPath))[0]["parameters"]!["rollout"]!.GetValue<string>());

        var restored = await client.RestoreAsync(flag, before, "No-Go at 50%", default);

        Assert.True(restored.Succeeded, restored.Detail);
        Assert.False(await EnabledAsync(person, feature));
        var after = await StrategiesAsync(person, strategiesPath);
        Assert.True(JsonNode.DeepEquals(new JsonArray(original.Select(s => s.DeepClone()).ToArray()), new JsonArray(after.Select(s => s.DeepClone()).ToArray())),
            $"before: {new JsonArray(original.Select(s => s.DeepClone()).ToArray()).ToJsonString()}\nafter:  {new JsonArray(after.Select(s => s.DeepClone()).ToArray()).ToJsonString()}");
        Assert.Equal(before.Fingerprint, restored.After!.Fingerprint);
        Assert.Equal(before.State, restored.After.State);

        // Unleash's own event log says who changed the strategies: the token Release Guardian writes with.
        var events = (await ReadAsync(await person.GetAsync($"api/admin/events/{feature}")))["events"]!.AsArray();
        Assert.Contains(events, e => e!["type"]!.GetValue<string>() == "feature-strategy-update" && e["createdBy"]!.GetValue<string>() == "release-guardian");
    }

    private static StringContent JsonBody(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }

    private static async Task<List<JsonObject>> StrategiesAsync(HttpClient person, string path) =>
        (await ReadAsync(await person.GetAsync(path))).AsArray().OfType<JsonObject>().OrderBy(s => s["sortOrder"]!.GetValue<int>()).ToList();

    private static async Task<bool> EnabledAsync(HttpClient person, string feature) =>
        (await ReadAsync(await person.GetAsync($"api/admin/projects/default/features/{feature}")))["environments"]!.AsArray()
            .Single(e => e!["name"]!.GetValue<string>() == Environment)!["enabled"]!.GetValue<bool>();
}
