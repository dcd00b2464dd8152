using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RolloutClients;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class UnleashRolloutTests
{
    private const string Token = "*:*.unleash-admin-secret";
    private const string Feature = "/unleash/api/admin/projects/web/features/new-checkout";
    private const string Strategies = Feature + "/environments/production/strategies";

    // The shape of a real Unleash 8.2 answer to GET /api/admin/projects/{p}/features/{f} (recorded from the Unleash
    // that eng/unleash.sh runs; ids are Unleash's ULIDs, segments are segment ids), trimmed to one environment: off,
    // a flexibleRollout with a constraint and a segment, and a remoteAddress strategy (the office IPs).
    private const string FlexibleRollout = """
        {"id":"01M94KM7XX10PATQ0E6PDKSTGS","name":"flexibleRollout","title":null,"disabled":false,"sortOrder":0,
         "constraints":[{"values":["web"],"operator":"IN","contextName":"appName"}],
         "parameters":{"groupId":"new-checkout","rollout":"100","stickiness":"default"},"variants":[],"segments":[7]}
        """;

    private const string RemoteAddress = """
        {"id":"01M94KMCP22086NWYMBJ3MWCDX","name":"remoteAddress","title":"office","disabled":false,"sortOrder":1,
         "constraints":[],"parameters":{"IPs":"10.0.0.1,10.0.0.2"},"variants":[],"segments":[]}
        """;

    [Fact]
    public async Task Capture_reads_the_feature_with_the_admin_token_and_keeps_the_environments_strategies()
    {
        await using var unleash = await FakeUnleash.StartAsync(false, FlexibleRollout, RemoteAddress);
        await using var services = Services(unleash);

        var snapshot = await Of(services, "unleash").CaptureAsync(Flag(), default);

        var request = Assert.Single(unleash.Server.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal(Feature, request.Path);
        Assert.Equal("", request.Query);
        Assert.Equal(Token, request.Header("Authorization"));
        Assert.Equal(0, snapshot.RolloutPercent);
        Assert.Equal("off in production, flexibleRollout 100%, 1 other strategy", snapshot.Summary);
        var state = JsonNode.Parse(snapshot.State)!;
        Assert.Equal(2, state["strategies"]!.AsArray().Count);
        Assert.Equal(7, state["strategies"]![0]!["segments"]![0]!.GetValue<int>());
    }

    [Fact]
    public async Task A_feature_that_was_off_is_rolled_out_10_50_100_percent_and_restored_with_exact_requests()
    {
        await using var unleash = await FakeUnleash.StartAsync(false, FlexibleRollout, RemoteAddress);
        await using var services = Services(unleash);
        var client = Of(services, "unleash");
        var before = await client.CaptureAsync(Flag(), default);
        var originalStrategies = unleash.StrategiesJson();

        var ten = await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1", default);
        var fifty = await client.SetRolloutAsync(Flag(), before, 50, null, "stage 2", default);
        var all = await client.SetRolloutAsync(Flag(), before, 100, null, "stage 3", default);
        var restored = await client.RestoreAsync(Flag(), before, "No-Go", default);

        var writes = unleash.Server.Requests.Skip(1).Where(r => r.Method != "GET").ToList();
        Assert.All(unleash.Server.Requests, r => Assert.Equal(Token, r.Header("Authorization")));
        Assert.Equal(
            [
                // 10%: the flexibleRollout gets rollout 10, the other strategy (which served nobody while off) is
                // disabled, then the environment goes on.
                $"PUT {Strategies}/01M94KM7XX10PATQ0E6PDKSTGS",
                $"PUT {Strategies}/01M94KMCP22086NWYMBJ3MWCDX",
                $"POST {Feature}/environments/production/on",
                // 50% and 100%: only the rollout changes.
                $"PUT {Strategies}/01M94KM7XX10PATQ0E6PDKSTGS",
                $"PUT {Strategies}/01M94KM7XX10PATQ0E6PDKSTGS",
                // Restore: off first, then the strategy that differs from the captured one (rollout 100 again is equal).
                $"POST {Feature}/environments/production/off",
                $"PUT {Strategies}/01M94KMCP22086NWYMBJ3MWCDX",
            ],
            writes.Select(w => $"{w.Method} {w.Path}"));
        SameJson("""
            {"name":"flexibleRollout","title":null,"disabled":false,"constraints":[{"values":["web"],"operator":"IN","contextName":"appName"}],
             "parameters":{"groupId":"new-checkout","rollout":"10","stickiness":"default"},"segments":[7],"variants":[]}
            """, writes[0].BodyText);
        SameJson("""
            {"name":"remoteAddress","title":"office","disabled":true,"constraints":[],"parameters":{"IPs":"10.0.0.1,10.0.0.2"},"segments":[],"variants":[]}
            """, writes[1].BodyText);
        Assert.Empty(writes[2].Body);
        Assert.Contains("\"rollout\":\"50\"", writes[3].BodyText);
        Assert.Contains("\"rollout\":\"100\"", writes[4].BodyText);
        Assert.Empty(writes[5].Body);
        SameJson("""
            {"name":"remoteAddress","title":"office","disabled":false,"constraints":[],"parameters":{"IPs":"10.0.0.1,10.0.0.2"},"segments":[],"variants":[]}
            """, writes[6].BodyText);
        Assert.All(writes.Where(w => w.Method == "PUT"), w => Assert.StartsWith("application/json", w.Header("Content-Type")));

        Assert.Equal((10, 50, 100), (ten.After!.RolloutPercent, fifty.After!.RolloutPercent, all.After!.RolloutPercent));
        Assert.Equal("on in production, flexibleRollout 10%, 1 other strategy", ten.After.Summary);
        Assert.True(restored.Succeeded, restored.Detail);
        Assert.Equal(before.Fingerprint, restored.After!.Fingerprint);
        Assert.Equal(before.State, restored.After.State);
        Assert.Equal(originalStrategies, unleash.StrategiesJson());
        Assert.False(unleash.Enabled);
    }

    [Fact]
    public async Task A_feature_without_a_flexibleRollout_gets_one_and_the_restore_removes_it()
    {
        await using var unleash = await FakeUnleash.StartAsync(false, RemoteAddress);
        await using var services = Services(unleash);
        var client = Of(services, "unleash");
        var before = await client.CaptureAsync(Flag(), default);

        var ten = await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1", default);
        var again = await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1 again", default);
        var restored = await client.RestoreAsync(Flag(), before, "abort", default);

        var writes = unleash.Server.Requests.Where(r => r.Method != "GET").ToList();
        Assert.Equal(
            [
                $"POST {Strategies}",
                $"PUT {Strategies}/01M94KMCP22086NWYMBJ3MWCDX",
                $"POST {Feature}/environments/production/on",
                // The same stage again writes nothing. The restore turns off, re-enables the office strategy, removes the added one.
                $"POST {Feature}/environments/production/off",
                $"PUT {Strategies}/01M94KMCP22086NWYMBJ3MWCDX",
                $"DELETE {Strategies}/added-1",
            ],
            writes.Select(w => $"{w.Method} {w.Path}"));
        SameJson("""
            {"name":"flexibleRollout","title":"Release Guardian rollout","disabled":false,"constraints":[],
             "parameters":{"rollout":"10","stickiness":"default","groupId":"new-checkout"},"segments":[],"variants":[]}
            """, writes[0].BodyText);
        Assert.Equal(ten.After!.Fingerprint, again.After!.Fingerprint);
        Assert.Equal(before.Fingerprint, restored.After!.Fingerprint);
    }

    [Fact]
    public async Task The_fingerprint_changes_when_a_person_changes_a_strategy_and_not_when_only_unleash_bookkeeping_changes()
    {
        await using var unleash = await FakeUnleash.StartAsync(true, FlexibleRollout);
        await using var services = Services(unleash);
        var client = Of(services, "unleash");
        var before = await client.CaptureAsync(Flag(), default);

        unleash.LastSeenAt = "2026-12-06T02:50:00.000Z";
        var seen = await client.CaptureAsync(Flag(), default);
        unleash.Strategy(0)["parameters"]!["rollout"] = "30";
        var changed = await client.CaptureAsync(Flag(), default);
        unleash.Strategy(0)["parameters"]!["rollout"] = "100";
        unleash.Strategy(0)["constraints"]!.AsArray().Clear();
        var constraintRemoved = await client.CaptureAsync(Flag(), default);

        Assert.Equal(before.Fingerprint, seen.Fingerprint);
        Assert.NotEqual(before.Fingerprint, changed.Fingerprint);
        Assert.NotEqual(before.Fingerprint, constraintRemoved.Fingerprint);
    }

    [Theory]
    [InlineData(403)]
    [InlineData(409)]
    [InlineData(503)]
    public async Task A_refused_strategy_write_is_not_a_success_and_names_the_step_without_the_token(int status)
    {
        await using var unleash = await FakeUnleash.StartAsync(false, FlexibleRollout);
        unleash.WriteStatus = status;
        await using var services = Services(unleash);
        var client = Of(services, "unleash");
        var before = await client.CaptureAsync(Flag(), default);

        var result = await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1", default);

        Assert.False(result.Succeeded);
        Assert.Null(result.After);
        Assert.Contains("Unleash feature 'new-checkout' was not changed (updating the flexibleRollout strategy)", result.Detail);
        Assert.Contains($"HTTP {status}", result.Detail);
        Assert.DoesNotContain(Token, result.Detail);
        Assert.DoesNotContain("unleash-admin-secret", result.Detail);
    }

    [Fact]
    public async Task A_capture_without_a_base_url_names_the_setting()
    {
        await using var services = Build(new Dictionary<string, string?> { ["Providers:unleash:ApiToken"] = Token });

        var error = await Assert.ThrowsAsync<FlagCaptureException>(() => Of(services, "unleash").CaptureAsync(Flag(), default));

        Assert.Contains("Providers:unleash:BaseUrl", error.Message);
    }

    private static FlagBinding Flag() => new("unleash", "new-checkout", "web", "production");

    private static Microsoft.Extensions.DependencyInjection.ServiceProvider Services(FakeUnleash unleash) => Build(new Dictionary<string, string?>
    {
        ["Providers:unleash:BaseUrl"] = BaseUrl(unleash.Server) + "/unleash",
        ["Providers:unleash:ApiToken"] = Token,
    });

    /// <summary>
    /// An Unleash Admin API stand-in for one feature environment, behaving as the real Unleash 8.2 did here: a PUT
    /// replaces a strategy's fields (not its sort order), a POST adds one at the end, set-sort-order reorders, and
    /// switching on an environment with no enabled strategy adds a default flexibleRollout of 100%.
    /// </summary>
    private sealed class FakeUnleash : IAsyncDisposable
    {
        private readonly object _gate = new();
        private readonly JsonArray _strategies;
        private int _added;

        private FakeUnleash(bool enabled, string[] strategies)
        {
            Enabled = enabled;
            _strategies = new JsonArray(strategies.Select(s => JsonNode.Parse(s)).ToArray());
        }

        public bool Enabled { get; private set; }

        public string? LastSeenAt { get; set; }

        public int WriteStatus { get; set; } = 200;

        public LoopbackServer Server { get; private set; } = null!;

        public JsonObject Strategy(int index) => _strategies[index]!.AsObject();

        public string StrategiesJson()
        {
            lock (_gate)
            {
                return _strategies.ToJsonString();
            }
        }

        public static async Task<FakeUnleash> StartAsync(bool enabled, params string[] strategies)
        {
            var fake = new FakeUnleash(enabled, strategies);
            fake.Server = await StatefulJsonServer(request =>
            {
                lock (fake._gate)
                {
                    return fake.Handle(request);
                }
            });
            return fake;
        }

        public ValueTask DisposeAsync() => Server.DisposeAsync();

        private (int Status, string Body) Handle(RecordedRequest request)
        {
            if (request.Method == "GET" && request.Path == Feature)
            {
                return (200, new JsonObject
                {
                    ["name"] = "new-checkout",
                    ["project"] = "web",
                    ["createdAt"] = "2026-12-06T02:41:14.957Z",
                    ["environments"] = new JsonArray(
                        new JsonObject { ["name"] = "development", ["enabled"] = true, ["strategies"] = new JsonArray() },
                        new JsonObject
                        {
                            ["name"] = "production", ["lastSeenAt"] = LastSeenAt, ["enabled"] = Enabled, ["type"] = "production",
                            ["strategies"] = _strategies.DeepClone(),
                        }),
                }.ToJsonString());
            }

            if (WriteStatus != 200)
            {
                return (WriteStatus, $$"""{"name":"NoAccessError","message":"token {{Token}} may not"}""");
            }

            var body = request.Body.Length == 0 ? null : JsonNode.Parse(request.BodyText);
            var path = request.Path;
            switch (request.Method)
            {
                case "POST" when path == Feature + "/environments/production/on":
                    if (!_strategies.Any(s => s!["disabled"]?.GetValue<bool>() != true))
                    {
                        _strategies.Add(JsonNode.Parse($$"""{"id":"default-{{++_added}}","name":"flexibleRollout","title":null,"disabled":false,"sortOrder":{{_strategies.Count}},"constraints":[],"parameters":{"groupId":"new-checkout","rollout":"100","stickiness":"default"},"variants":[],"segments":[]}"""));
                    }

                    Enabled = true;
                    return (200, "");
                case "POST" when path == Feature + "/environments/production/off":
                    Enabled = false;
                    return (200, "");
                case "POST" when path == Strategies + "/set-sort-order":
                    foreach (var order in body!.AsArray())
                    {
                        Find(order!["id"]!.GetValue<string>())!["sortOrder"] = order["sortOrder"]!.GetValue<int>();
                    }

                    return (200, "");
                case "POST" when path == Strategies:
                    var added = body!.DeepClone().AsObject();
                    added["id"] = $"added-{++_added}";
                    added["sortOrder"] = _strategies.Count;
                    _strategies.Add(added);
                    return (200, added.ToJsonString());
                case "PUT" when path.StartsWith(Strategies + "/", StringComparison.Ordinal) && Find(path[(Strategies.Length + 1)..]) is { } strategy:
                    foreach (var (key, value) in body!.AsObject())
                    {
                        if (key is not ("id" or "sortOrder"))
                        {
                            strategy[key] = value?.DeepClone();
                        }
                    }

                    return (200, strategy.ToJsonString());
                case "DELETE" when path.StartsWith(Strategies + "/", StringComparison.Ordinal) && Find(path[(Strategies.Length + 1)..]) is { } gone:
                    _strategies.Remove(gone);
                    return (200, "");
                default:
                    return (404, """{"name":"NotFoundError","message":"Could not find the route"}""");
            }
        }

        private JsonObject? Find(string id) => _strategies.OfType<JsonObject>().FirstOrDefault(s => s["id"]!.GetValue<string>() == id);
    }
}
