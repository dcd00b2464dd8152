using System.Text.Json.Nodes;
using CsCheck;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Rollback;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RolloutClients;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class LaunchDarklyRolloutTests
{
    private const string Token = "api-0123-ld-secret";
    private const string TrueId = "86208e6e-468f-4425-b334-7f318397f95c";
    private const string FalseId = "7b32de80-f346-4276-bb77-28dfa7ddc2d8";
    private const string SemanticPatch = "application/json; domain-model=launchdarkly.semanticpatch";

    // The flag from LaunchDarkly's API reference, "Sample feature flag representation" (docs/sdks/featureflags of
    // launchdarkly's mcp-server / api docs): boolean, variations true/false with these ids, production on with the
    // fallthrough rolled out 60% true / 40% false by user. Trimmed to the fields a release reads.
    private const string SampleFlag = """
        {"name":"Alternate product page","kind":"boolean","key":"alternate.page","_version":2,"creationDate":1418684722483,
         "variations":[{"value":true,"name":"true","_id":"86208e6e-468f-4425-b334-7f318397f95c"},
                       {"value":false,"name":"false","_id":"7b32de80-f346-4276-bb77-28dfa7ddc2d8"}],
         "defaults":{"onVariation":0,"offVariation":1},
         "environments":{"production":{"on":true,"archived":false,"salt":"YWx0ZXJuYXRlLnBhZ2U=","sel":"45501b9314dc4641841af774cb038b96",
           "lastModified":1469326565348,"version":61,"targets":[],"contextTargets":[],"rules":[],
           "fallthrough":{"rollout":{"variations":[{"variation":0,"weight":60000},{"variation":1,"weight":40000}],"contextKind":"user"}},
           "offVariation":1,"prerequisites":[],"_environmentName":"Production","trackEvents":false,"trackEventsFallthrough":false}}}
        """;

    [Fact]
    public async Task Capture_reads_the_flag_in_its_environment_with_the_raw_token_and_describes_the_rollout()
    {
        await using var ld = await FakeLaunchDarkly.StartAsync(SampleFlag);
        await using var services = Services(ld);

        var snapshot = await Of(services, "launchdarkly").CaptureAsync(Flag(), default);

        var request = Assert.Single(ld.Server.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/api/v2/flags/shop/alternate.page", request.Path);
        Assert.Equal("?env=production", request.Query);
        Assert.Equal(Token, request.Header("Authorization"));
        Assert.Equal("launchdarkly", snapshot.Provider);
        Assert.Equal(60, snapshot.RolloutPercent);
        Assert.True(snapshot.SupportsPercentages);
        Assert.Equal("on, fallthrough 60% 'true' / 40% 'false'", snapshot.Summary);
    }

    [Fact]
    public async Task A_flag_that_was_off_is_rolled_out_10_50_100_percent_and_restored_off_with_its_fallthrough()
    {
        var off = SampleFlag.Replace("\"on\":true", "\"on\":false", StringComparison.Ordinal)
            .Replace("""{"rollout":{"variations":[{"variation":0,"weight":60000},{"variation":1,"weight":40000}],"contextKind":"user"}}""", """{"variation":1}""", StringComparison.Ordinal);
        await using var ld = await FakeLaunchDarkly.StartAsync(off);
        await using var services = Services(ld);
        var client = Of(services, "launchdarkly");
        var before = await client.CaptureAsync(Flag(), default);
        Assert.Equal(0, before.RolloutPercent);
        Assert.Equal("off, serving 100% 'false'", before.Summary);

        var ten = await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1/3", default);
        var fifty = await client.SetRolloutAsync(Flag(), before, 50, null, "stage 2/3", default);
        var all = await client.SetRolloutAsync(Flag(), before, 100, null, "stage 3/3", default);
        var restored = await client.RestoreAsync(Flag(), before, "No-Go at 100%", default);

        var patches = ld.Server.Requests.Where(r => r.Method == "PATCH").ToList();
        Assert.Equal(4, patches.Count);
        Assert.All(patches, p =>
        {
            Assert.Equal("/api/v2/flags/shop/alternate.page", p.Path);
            Assert.Equal("", p.Query);
            Assert.Equal(Token, p.Header("Authorization"));
            Assert.Equal(SemanticPatch, p.Header("Content-Type"));
        });
        SameJson($$$"""{"environmentKey":"production","comment":"Release Guardian: stage 1/3","instructions":[{"kind":"turnFlagOn"},{"kind":"updateFallthroughVariationOrRollout","rolloutWeights":{"{{{TrueId}}}":10000,"{{{FalseId}}}":90000}}]}""", patches[0].BodyText);
        SameJson($$$"""{"environmentKey":"production","comment":"Release Guardian: stage 2/3","instructions":[{"kind":"turnFlagOn"},{"kind":"updateFallthroughVariationOrRollout","rolloutWeights":{"{{{TrueId}}}":50000,"{{{FalseId}}}":50000}}]}""", patches[1].BodyText);
        SameJson($$$"""{"environmentKey":"production","comment":"Release Guardian: stage 3/3","instructions":[{"kind":"turnFlagOn"},{"kind":"updateFallthroughVariationOrRollout","variationId":"{{{TrueId}}}"}]}""", patches[2].BodyText);
        SameJson($$$"""{"environmentKey":"production","comment":"Release Guardian: No-Go at 100%","instructions":[{"kind":"turnFlagOff"},{"kind":"updateFallthroughVariationOrRollout","variationId":"{{{FalseId}}}"}]}""", patches[3].BodyText);

        Assert.True(ten.Succeeded, ten.Detail);
        Assert.Equal(10, ten.After!.RolloutPercent);
        Assert.Equal("on, fallthrough 90% 'false' / 10% 'true'", ten.After.Summary);
        Assert.Equal(50, fifty.After!.RolloutPercent);
        Assert.Equal(100, all.After!.RolloutPercent);
        Assert.True(restored.Succeeded, restored.Detail);
        Assert.Equal(before.Fingerprint, restored.After!.Fingerprint);
        Assert.Equal(before.State, restored.After.State);
        Assert.False(ld.Environment["on"]!.GetValue<bool>());
        SameJson("""{"variation":1}""", ld.Environment["fallthrough"]!.ToJsonString());
    }

    [Fact]
    public async Task Restoring_a_rollout_writes_its_weights_and_bucketing_back_and_gives_the_captured_state()
    {
        await using var ld = await FakeLaunchDarkly.StartAsync(SampleFlag);
        await using var services = Services(ld);
        var client = Of(services, "launchdarkly");
        var before = await client.CaptureAsync(Flag(), default);

        var set = await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1", default);
        var restored = await client.RestoreAsync(Flag(), before, "abort", default);

        var patches = ld.Server.Requests.Where(r => r.Method == "PATCH").ToList();
        // 10% true; the rest goes to what the pre-release state served besides true: all of it to false.
        SameJson($$$"""{"environmentKey":"production","comment":"Release Guardian: stage 1","instructions":[{"kind":"turnFlagOn"},{"kind":"updateFallthroughVariationOrRollout","rolloutWeights":{"{{{TrueId}}}":10000,"{{{FalseId}}}":90000},"rolloutContextKind":"user"}]}""", patches[0].BodyText);
        SameJson($$$"""{"environmentKey":"production","comment":"Release Guardian: abort","instructions":[{"kind":"turnFlagOn"},{"kind":"updateFallthroughVariationOrRollout","rolloutWeights":{"{{{TrueId}}}":60000,"{{{FalseId}}}":40000},"rolloutContextKind":"user"}]}""", patches[1].BodyText);
        Assert.Equal(10, set.After!.RolloutPercent);
        Assert.Equal(before.Fingerprint, restored.After!.Fingerprint);
        Assert.Equal(before.State, restored.After.State);
    }

    [Fact]
    public async Task The_fingerprint_changes_when_a_person_changes_the_rollout_and_not_when_only_versions_change()
    {
        await using var ld = await FakeLaunchDarkly.StartAsync(SampleFlag);
        await using var services = Services(ld);
        var client = Of(services, "launchdarkly");
        var before = await client.CaptureAsync(Flag(), default);

        ld.Environment["version"] = 99;
        ld.Environment["lastModified"] = 1700000000000;
        ld.Flag["_version"] = 42;
        var touched = await client.CaptureAsync(Flag(), default);
        ld.Environment["fallthrough"]!["rollout"]!["variations"]![0]!["weight"] = 70000;
        ld.Environment["fallthrough"]!["rollout"]!["variations"]![1]!["weight"] = 30000;
        var changed = await client.CaptureAsync(Flag(), default);
        ld.Environment["fallthrough"] = JsonNode.Parse("""{"rollout":{"variations":[{"variation":0,"weight":60000},{"variation":1,"weight":40000}],"contextKind":"user"}}""");
        ld.Environment["on"] = false;
        var turnedOff = await client.CaptureAsync(Flag(), default);

        Assert.Equal(before.Fingerprint, touched.Fingerprint);
        Assert.NotEqual(before.Fingerprint, changed.Fingerprint);
        Assert.NotEqual(before.Fingerprint, turnedOff.Fingerprint);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(500)]
    public async Task A_refused_write_is_not_a_success_and_names_the_flag_and_status_without_the_token(int status)
    {
        await using var ld = await FakeLaunchDarkly.StartAsync(SampleFlag, patchStatus: status);
        await using var services = Services(ld);
        var client = Of(services, "launchdarkly");
        var before = await client.CaptureAsync(Flag(), default);

        var result = await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1", default);

        Assert.False(result.Succeeded);
        Assert.Null(result.After);
        Assert.Contains("LaunchDarkly rollout of flag 'alternate.page' to 10% was not written", result.Detail);
        Assert.Contains($"HTTP {status}", result.Detail);
        Assert.DoesNotContain(Token, result.Detail);
    }

    [Fact]
    public async Task A_capture_the_provider_refuses_throws_a_capture_exception_naming_the_status_without_the_token()
    {
        await using var server = await LoopbackServer.StartAsync(401, $$"""{"code":"unauthorized","message":"invalid token {{Token}}"}""");
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:launchdarkly:BaseUrl"] = BaseUrl(server),
            ["Providers:launchdarkly:ApiToken"] = Token,
        });

        var error = await Assert.ThrowsAsync<FlagCaptureException>(() => Of(services, "launchdarkly").CaptureAsync(Flag(), default));

        Assert.Contains("LaunchDarkly flag 'alternate.page' was not read", error.Message);
        Assert.Contains("HTTP 401", error.Message);
        Assert.DoesNotContain(Token, error.Message);
    }

    [Fact]
    public async Task A_variant_the_flag_does_not_have_is_refused_without_a_write()
    {
        await using var ld = await FakeLaunchDarkly.StartAsync(SampleFlag);
        await using var services = Services(ld);
        var client = Of(services, "launchdarkly");
        var before = await client.CaptureAsync(Flag(), default);

        var result = await client.SetRolloutAsync(Flag(), before, 10, "purple", "stage 1", default);

        Assert.False(result.Succeeded);
        Assert.Contains("no variation 'purple'", result.Detail);
        Assert.DoesNotContain(ld.Server.Requests, r => r.Method == "PATCH");
    }

    [Fact]
    public void Weights_give_the_target_exactly_its_percent_and_sum_to_100000_for_any_percent_and_prior_split()
    {
        Gen.Select(Gen.Int[0, 100], Gen.Int[0, 100_000].Array[1, 6], Gen.Int[0, 5]).Sample((percent, prior, target) =>
        {
            var served = prior.Select((w, i) => (w, i)).ToDictionary(x => x.i, x => x.w);
            target %= prior.Length + 1;
            var fallback = target == 0 ? 1 : 0;

            var weights = LaunchDarklyWeights.Split(served, target, percent, fallback);

            Assert.Equal(LaunchDarklyWeights.Total, weights.Values.Sum());
            Assert.Equal(percent * 1000, weights[target]);
            Assert.All(weights.Values, w => Assert.InRange(w, 0, LaunchDarklyWeights.Total));
            // The rest keeps the prior proportions to within one thousandth of a percent.
            var priorRest = served.Where(s => s.Key != target).Sum(s => (long)s.Value);
            if (priorRest > 0)
            {
                foreach (var (index, weight) in served.Where(s => s.Key != target))
                {
                    Assert.InRange(weight * (long)(LaunchDarklyWeights.Total - percent * 1000) / (double)priorRest - weights.GetValueOrDefault(index), -1, 1);
                }
            }
        });
    }

    private static FlagBinding Flag() => new("launchdarkly", "alternate.page", "shop", "production");

    private static Microsoft.Extensions.DependencyInjection.ServiceProvider Services(FakeLaunchDarkly ld) => Build(new Dictionary<string, string?>
    {
        ["Providers:launchdarkly:BaseUrl"] = BaseUrl(ld.Server),
        ["Providers:launchdarkly:ApiToken"] = Token,
    });

    /// <summary>
    /// A LaunchDarkly stand-in on loopback holding one flag: GET answers it (one environment, as with <c>env=</c>),
    /// a semantic PATCH applies turnFlagOn/turnFlagOff and updateFallthroughVariationOrRollout as the API reference
    /// describes them (rolloutContextKind defaults to user) and bumps the versions.
    /// </summary>
    private sealed class FakeLaunchDarkly : IAsyncDisposable
    {
        private FakeLaunchDarkly(string flag) => Flag = JsonNode.Parse(flag)!.AsObject();

        public JsonObject Flag { get; }

        public JsonObject Environment => Flag["environments"]!["production"]!.AsObject();

        public LoopbackServer Server { get; private set; } = null!;

        public static async Task<FakeLaunchDarkly> StartAsync(string flag, int patchStatus = 200)
        {
            var fake = new FakeLaunchDarkly(flag);
            fake.Server = await StatefulJsonServer(request =>
            {
                if (request.Method == "PATCH" && patchStatus != 200)
                {
                    return (patchStatus, $$"""{"code":"invalid_request","message":"refused with token {{Token}}"}""");
                }

                if (request.Method == "PATCH")
                {
                    fake.Apply(JsonNode.Parse(request.BodyText)!.AsObject());
                }

                return (200, fake.Flag.ToJsonString());
            });
            return fake;
        }

        public ValueTask DisposeAsync() => Server.DisposeAsync();

        private void Apply(JsonObject patch)
        {
            var variations = Flag["variations"]!.AsArray().Select(v => v!["_id"]!.GetValue<string>()).ToList();
            foreach (var instruction in patch["instructions"]!.AsArray())
            {
                switch (instruction!["kind"]!.GetValue<string>())
                {
                    case "turnFlagOn":
                        Environment["on"] = true;
                        break;
                    case "turnFlagOff":
                        Environment["on"] = false;
                        break;
                    case "updateFallthroughVariationOrRollout" when instruction["variationId"] is { } id:
                        Environment["fallthrough"] = new JsonObject { ["variation"] = variations.IndexOf(id.GetValue<string>()) };
                        break;
                    case "updateFallthroughVariationOrRollout":
                        var rollout = new JsonObject
                        {
                            ["variations"] = new JsonArray(instruction["rolloutWeights"]!.AsObject()
                                .Select(w => (JsonNode)new JsonObject { ["variation"] = variations.IndexOf(w.Key), ["weight"] = w.Value!.GetValue<int>() })
                                .OrderBy(w => w["variation"]!.GetValue<int>()).ToArray()),
                            ["contextKind"] = instruction["rolloutContextKind"]?.GetValue<string>() ?? "user",
                        };
                        if (instruction["rolloutBucketBy"] is { } bucketBy)
                        {
                            rollout["bucketBy"] = bucketBy.GetValue<string>();
                        }

                        Environment["fallthrough"] = new JsonObject { ["rollout"] = rollout };
                        break;
                    default:
                        throw new InvalidOperationException("unexpected instruction " + instruction.ToJsonString());
                }
            }

            Environment["version"] = Environment["version"]!.GetValue<int>() + 1;
            Environment["lastModified"] = Environment["lastModified"]!.GetValue<long>() + 1000;
            Flag["_version"] = Flag["_version"]!.GetValue<int>() + 1;
        }
    }
}
