using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.RealSystems;

/// <summary>
/// The standalone server against a real Unleash 8 on PostgreSQL 15, both started by eng/test.sh: Unleash's own
/// webhook addon delivers the flag changes, and the rollback goes through Unleash's own Admin API. Nothing on
/// the Unleash side was written here.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RealUnleashTests(AzuriteFixture azurite)
{
    private const string Environment = "development";

    [Fact]
    public async Task The_first_release_of_an_Unleash_flag_is_delivered_normalised_and_a_No_Go_turns_it_off_in_Unleash()
    {
        var unleash = new UnleashAdmin(
            RealSystem.Require(RealSystem.UnleashUrl, "Unleash"),
            RealSystem.Require(RealSystem.UnleashOperatorToken, "Unleash"));
        var rollbackToken = RealSystem.Require(RealSystem.UnleashAdminToken, "Unleash");
        var secret = "unleash-hook-" + Guid.NewGuid().ToString("N");
        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            ["Webhooks:unleash:Secret"] = secret,
            ["Providers:unleash:BaseUrl"] = unleash.BaseUrl,
            ["Providers:unleash:ApiToken"] = rollbackToken,
            // Unleash runs on loopback here; in production the operator names private flag services the same way.
            ["Outbound:AllowPrivateNetworks"] = "true",
        });

        // Unleash's addon settings are cached for a minute from the first event after they expire: the addon is
        // created only once no event has happened for that long, so its own creation event loads it fresh.
        await unleash.WaitUntilQuietAsync(TimeSpan.FromSeconds(62));
        var hookUrl = scenario.Anonymous.BaseAddress!.ToString().TrimEnd('/') + "/api/webhooks/flags/unleash";
        var addonId = await unleash.CreateWebhookAddonAsync(hookUrl, secret);
        try
        {
            var flag = "checkout-" + Guid.NewGuid().ToString("N")[..10];
            await unleash.CreateFeatureAsync(flag);
            await scenario.PutGuardianAsync("checkout", $$"""
                {"id":"checkout","displayName":"Checkout service","service":"checkout",
                 "flag":{"provider":"unleash","key":"{{flag}}","project":"default","environment":"{{Environment}}"},
                 "metrics":{"source":"loadtest"},
                 "objectives":{{Scenario.StaticObjectives}},
                 "policy":{"rollbackOn":["nogo"],"notify":[{"type":"webhook","url":"{{scenario.HookUrl}}"}]} }
                """);

            // The first release: the environment has no strategy, so Unleash adds its default strategy and enables
            // the environment in one transaction: feature-strategy-add (on/off unknown) and feature-environment-enabled,
            // with the same timestamp (failure 5 of issue 14).
            // Before the fix, the row that sorted first won a tie: the strategy event whenever its id sorts first as text,
            // that is unless the two ids straddle a power of ten ("9" and "10"). Keep them from straddling one.
            await unleash.KeepNextTwoIdsWithinOneDecadeAsync(flag);
            await unleash.TurnAsync(flag, on: true);

            var changes = await WaitForFlagChangesAsync(scenario, flag, c => c.Any(e => e.EventType == "feature-environment-enabled"));
            var enabled = changes.Single(c => c.EventType == "feature-environment-enabled");
            Assert.Equal(flag, enabled.Data.GetProperty("flagKey").GetString());
            Assert.Equal("unleash", enabled.Data.GetProperty("provider").GetString());
            Assert.Equal("default", enabled.Data.GetProperty("project").GetString());
            Assert.Equal(Environment, enabled.Data.GetProperty("environment").GetString());
            Assert.False(enabled.Data.GetProperty("previous").GetProperty("enabled").GetBoolean());
            Assert.True(enabled.Data.GetProperty("current").GetProperty("enabled").GetBoolean());
            Assert.Equal("release-manager", enabled.Data.GetProperty("actor").GetString());
            var unleashEvents = await unleash.EventsAsync(flag);
            var sent = unleashEvents.Single(e => e.GetProperty("type").GetString() == "feature-environment-enabled");
            Assert.Equal(sent.GetProperty("id").GetRawText(), enabled.Data.GetProperty("changeId").GetString());
            Assert.Equal(sent.GetProperty("createdAt").GetDateTimeOffset(), enabled.Data.GetProperty("changedAt").GetDateTimeOffset());
            var strategyAdded = unleashEvents.SingleOrDefault(e => e.GetProperty("type").GetString() == "feature-strategy-add");
            Assert.True(strategyAdded.ValueKind == JsonValueKind.Object, "Unleash no longer adds a default strategy on the first release; this test no longer covers failure 5");
            Assert.Equal(sent.GetProperty("createdAt").GetString(), strategyAdded.GetProperty("createdAt").GetString());
            Assert.True(string.CompareOrdinal(strategyAdded.GetProperty("id").GetRawText(), sent.GetProperty("id").GetRawText()) < 0,
                "the strategy event's id must sort first as text, or this test would pass without the fix of failure 5");
            Assert.True(await unleash.IsEnabledAsync(flag));

            // A load test over the release fails the error-rate objective: No-Go, and the change is rolled back.
            var changedAt = enabled.Data.GetProperty("changedAt").GetDateTimeOffset();
            var status = await scenario.PostK6AndWaitAsync("checkout", "validate-1", "validation", changedAt.AddSeconds(-30), 1150, errorRate: 0.12);
            var output = status.GetProperty("output");
            Assert.Equal("nogo", output.GetProperty("decision").GetString());
            var rollback = output.GetProperty("rollback");
            Assert.True(rollback.GetProperty("result").GetString() == "rolled-back", rollback.GetRawText());

            // Unleash itself says the flag is off again, and its audit log names the token Release Guardian used.
            Assert.False(await unleash.IsEnabledAsync(flag));
            var disabled = (await unleash.EventsAsync(flag)).Single(e => e.GetProperty("type").GetString() == "feature-environment-disabled");
            Assert.Equal("release-guardian", disabled.GetProperty("createdBy").GetString());

            // The run names the enable event as the change under test, and the timeline carries the rollback.
            var run = await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-validate-1");
            Assert.Equal(enabled.Data.GetProperty("changeId").GetString(), run.GetProperty("changeUnderTest").GetProperty("changeId").GetString());
            var timeline = (await scenario.GetJsonAsync("/api/guardians/checkout/timeline")).GetProperty("entries").EnumerateArray().ToList();
            var rolledBack = timeline.Single(e => e.GetProperty("kind").GetString() == "rollback");
            Assert.Equal("rolled-back", rolledBack.GetProperty("data").GetProperty("result").GetString());
            Assert.Contains(flag, rolledBack.GetProperty("summary").GetString());

            // Unleash reports the rollback back through the webhook: recorded, by 'release-guardian', off again.
            var echo = (await WaitForFlagChangesAsync(scenario, flag, c => c.Any(e => e.EventType == "feature-environment-disabled")))
                .Single(c => c.EventType == "feature-environment-disabled");
            Assert.Equal("release-guardian", echo.Data.GetProperty("actor").GetString());
            Assert.False(echo.Data.GetProperty("current").GetProperty("enabled").GetBoolean());
        }
        finally
        {
            await unleash.DeleteAddonAsync(addonId);
        }
    }

    private sealed record StoredChange(string EventType, JsonElement Data);

    // The flag changes Release Guardian recorded for the flag, read back through the guardian's timeline.
    private static async Task<IReadOnlyList<StoredChange>> WaitForFlagChangesAsync(
        Scenario scenario, string flag, Func<IReadOnlyList<StoredChange>, bool> done)
    {
        // Unleash announces events from a one-second poll, then delivers; far more than that is allowed.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var entries = (await scenario.GetJsonAsync("/api/guardians/checkout/timeline?pageSize=100")).GetProperty("entries").EnumerateArray();
            var changes = entries
                .Where(e => e.GetProperty("kind").GetString() == "flagChange")
                .Select(e => e.GetProperty("data").Clone())
                .Where(d => d.GetProperty("flagKey").GetString() == flag)
                .Select(d => new StoredChange(d.GetProperty("providerRefs").GetProperty("eventType").GetString()!, d))
                .ToList();
            if (done(changes))
            {
                return changes;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Unleash's webhook did not deliver the expected changes of {flag}; recorded: " +
                string.Join(", ", changes.Select(c => c.EventType)));
            await Task.Delay(200);
        }
    }

    /// <summary>Unleash's Admin API, as the person releasing (the 'release-manager' token).</summary>
    private sealed class UnleashAdmin(string baseUrl, string token)
    {
        private readonly HttpClient _http = Client(baseUrl, token);

        public string BaseUrl { get; } = baseUrl.TrimEnd('/');

        // Unleash tokens ('*:*.secret') are not RFC 9110 credentials, so the header is added as-is.
        private static HttpClient Client(string baseUrl, string token)
        {
            var http = new HttpClient { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/") };
            http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", token);
            return http;
        }

        public async Task WaitUntilQuietAsync(TimeSpan quiet)
        {
            var latest = (await GetAsync("api/admin/events")).GetProperty("events").EnumerateArray()
                .Select(e => e.GetProperty("createdAt").GetDateTimeOffset())
                .DefaultIfEmpty(DateTimeOffset.MinValue)
                .Max();
            var wait = latest == DateTimeOffset.MinValue ? TimeSpan.Zero : latest + quiet - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
        }

        public async Task KeepNextTwoIdsWithinOneDecadeAsync(string flag)
        {
            for (var spacer = 0; ; spacer++)
            {
                var latest = (await GetAsync("api/admin/events")).GetProperty("events").EnumerateArray().Max(e => e.GetProperty("id").GetInt64());
                var second = latest + 2;
                if (second.ToString(System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0') != "1")
                {
                    return;
                }

                await CreateFeatureAsync($"{flag}-spacer-{spacer}");
            }
        }

        public async Task<int> CreateWebhookAddonAsync(string url, string secret)
        {
            var created = await SendAsync(HttpMethod.Post, "api/admin/addons", new
            {
                provider = "webhook",
                enabled = true,
                description = "Release Guardian",
                parameters = new { url, authorization = secret },
                events = new[] { "feature-environment-enabled", "feature-environment-disabled", "feature-strategy-add", "feature-strategy-update", "feature-strategy-remove", "feature-created" },
                projects = new[] { "*" },
                environments = new[] { "*" },
            });
            return created.GetProperty("id").GetInt32();
        }

        public async Task DeleteAddonAsync(int id) => await _http.DeleteAsync($"api/admin/addons/{id}");

        public Task CreateFeatureAsync(string name) => SendAsync(HttpMethod.Post, "api/admin/projects/default/features", new { name });

        public Task TurnAsync(string name, bool on) =>
            SendAsync(HttpMethod.Post, $"api/admin/projects/default/features/{name}/environments/{Environment}/{(on ? "on" : "off")}", null);

        public async Task<bool> IsEnabledAsync(string name) =>
            (await GetAsync($"api/admin/projects/default/features/{name}")).GetProperty("environments").EnumerateArray()
            .Single(e => e.GetProperty("name").GetString() == Environment).GetProperty("enabled").GetBoolean();

        // Unleash 8's event list is newest first for all features; the feature is picked here.
        public async Task<IReadOnlyList<JsonElement>> EventsAsync(string feature) =>
            (await GetAsync("api/admin/events")).GetProperty("events").EnumerateArray()
            .Where(e => e.TryGetProperty("featureName", out var name) && name.GetString() == feature)
            .ToList();

        private async Task<JsonElement> GetAsync(string path)
        {
            var response = await _http.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"Unleash GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }

        private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
            }

            var response = await _http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"Unleash {method} {path}: {(int)response.StatusCode} {text}");
            return response.StatusCode == HttpStatusCode.NoContent || text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
    }
}
