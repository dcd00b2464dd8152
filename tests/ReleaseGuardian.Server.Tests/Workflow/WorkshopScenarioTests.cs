using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Workflow;

/// <summary>
/// The workshop story on the standalone server over real HTTP with Azurite: five healthy k6 training runs, a
/// LaunchDarkly webhook turns the flag on, a k6 run with 12% errors is a No-Go, the flag is turned off through
/// LaunchDarkly's semantic-patch API (a loopback server checks the exact request), a notification with the
/// evidence is stored and delivered, and the same k6 delivery sent again changes nothing.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WorkshopScenarioTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_bad_flag_change_is_caught_rolled_back_through_LaunchDarkly_and_notified_exactly_once()
    {
        await using var scenario = await Scenario.StartAsync(azurite);
        var api = scenario.Api;
        var launchDarkly = scenario.LaunchDarkly;
        var hook = scenario.Hook;
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl));

        // 1. Five healthy training runs leave the guardian trained.
        await scenario.TrainAsync("checkout");

        // 2. LaunchDarkly reports that someone turned the flag on.
        await scenario.PostLaunchDarklyAsync(Scenario.LaunchDarklyToggle("65a1f0c2e4b0a1d2c3f4a5c6", Base.AddMinutes(6).AddSeconds(30), turnOn: true));

        // 3. A validation run with a 12% error rate is a No-Go on the error-rate objective.
        var validation = await scenario.PostK6AndWaitAsync("checkout", "validate-1", "validation", Base.AddMinutes(7), 1150, errorRate: 0.12);
        var output = validation.GetProperty("output");
        Assert.Equal("nogo", output.GetProperty("decision").GetString());
        Assert.Equal("rolled-back", output.GetProperty("rollback").GetProperty("result").GetString());
        Assert.Contains("error rate", output.GetProperty("headline").GetString());

        var run = await api.GetFromJsonAsync<JsonElement>("/api/guardians/checkout/runs/lt-validate-1");
        var errorRate = run.GetProperty("verdict").GetProperty("objectives").EnumerateArray()
            .Single(o => o.GetProperty("name").GetString() == "error rate");
        Assert.Equal("fail", errorRate.GetProperty("status").GetString());
        Assert.Equal(0.12, errorRate.GetProperty("value").GetDouble(), 6);
        Assert.Equal(0.015, errorRate.GetProperty("failure").GetDouble(), 6);
        Assert.Equal("65a1f0c2e4b0a1d2c3f4a5c6", run.GetProperty("changeUnderTest").GetProperty("changeId").GetString());

        // 4. The rollback reached LaunchDarkly as exactly one semantic-patch request.
        var patch = Assert.Single(launchDarkly.Requests);
        Assert.Equal("PATCH", patch.Method);
        Assert.Equal("/api/v2/flags/default/new-checkout", patch.Path);
        Assert.Equal(Scenario.LaunchDarklyToken, patch.Header("Authorization"));
        Assert.Equal("application/json; domain-model=launchdarkly.semanticpatch", patch.Header("Content-Type"));
        using (var body = JsonDocument.Parse(patch.BodyText))
        {
            Assert.Equal("production", body.RootElement.GetProperty("environmentKey").GetString());
            Assert.Equal("turnFlagOff", Assert.Single(body.RootElement.GetProperty("instructions").EnumerateArray()).GetProperty("kind").GetString());
        }

        // 5. A notification with the evidence is stored and delivered to the webhook target.
        var notifications = await api.GetFromJsonAsync<JsonElement>("/api/notifications?guardian=checkout");
        var notification = Assert.Single(notifications.GetProperty("notifications").EnumerateArray());
        Assert.Equal("rollback", notification.GetProperty("kind").GetString());
        var message = notification.GetProperty("message");
        Assert.Equal("grace@example.org", message.GetProperty("change").GetProperty("actor").GetString()?.Split('<', '>')[1]);
        Assert.Contains(message.GetProperty("objectives").EnumerateArray(), o => o.GetProperty("name").GetString() == "error rate" && o.GetProperty("status").GetString() == "fail");
        Assert.True(Assert.Single(notification.GetProperty("deliveries").EnumerateArray()).GetProperty("delivered").GetBoolean());
        var delivered = Assert.Single(hook.Requests);
        using (var sent = JsonDocument.Parse(delivered.BodyText))
        {
            Assert.Equal("rolledback", sent.RootElement.GetProperty("kind").GetString());
            Assert.Equal("lt-validate-1", sent.RootElement.GetProperty("runId").GetString());
        }

        // 6. The same k6 delivery sent again changes nothing: same instance, no second rollback or notification.
        var again = await scenario.Anonymous.SendAsync(Scenario.K6Request("checkout", "validate-1", "validation", Base.AddMinutes(7), 1150, 0.12));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var againBody = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("checkout:lt-validate-1", againBody.GetProperty("events")[0].GetProperty("instanceId").GetString());
        await Task.Delay(500);
        Assert.Single(launchDarkly.Requests);
        Assert.Single(hook.Requests);
        var runs = await api.GetFromJsonAsync<JsonElement>("/api/guardians/checkout/runs");
        Assert.Equal(6, runs.GetProperty("runs").GetArrayLength());
    }

    private static DateTimeOffset Base => Scenario.Base;
}
