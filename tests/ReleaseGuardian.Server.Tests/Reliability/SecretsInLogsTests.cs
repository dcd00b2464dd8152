using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;
using FlagDeliveries = ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags.FlagDeliveries;

namespace ReleaseGuardian.Server.Tests.Reliability;

/// <summary>
/// Everything the server logs (every category, every level, with exception text and structured values), captured
/// across valid, invalid and rollback flows, holds no configured secret, API key, provider token or signature.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SecretsInLogsTests(AzuriteFixture azurite)
{
    private const string SplitSecret = "split-query-secret-7c1e";
    private const string UnleashSecret = "unleash-auth-secret-93ab";
    private const string WrongSecret = "not-the-secret-5d2f";

    [Fact]
    public async Task No_secret_api_key_token_or_signature_appears_in_the_logs_of_valid_invalid_and_rollback_flows()
    {
        var logs = new CapturedLogs();
        var patches = 0;
        await using var scenario = await Scenario.StartAsync(azurite, launchDarkly: async (request, context) =>
        {
            // The first rollback attempt fails, so the retry and failure paths log too.
            var failing = request.Method == "PATCH" && Interlocked.Increment(ref patches) == 1;
            context.Response.StatusCode = failing ? 500 : 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(failing ? """{"message":"try again"}""" : """{"key":"new-checkout"}""");
        }, settings: new Dictionary<string, string?>
        {
            ["Webhooks:split:Secret"] = SplitSecret,
            ["Webhooks:unleash:Secret"] = UnleashSecret,
        }, logs: logs);
        var signatures = new List<string>();
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, Scenario.StaticObjectives));

        // Valid: a signed flag change, then a failing load test that rolls it back (through one failed PATCH).
        var toggle = Scenario.LaunchDarklyToggle("chg-logs", Scenario.Base.AddSeconds(30), turnOn: true);
        signatures.Add(HmacSignature.ComputeHex(Scenario.LaunchDarklySecret, toggle));
        await scenario.PostLaunchDarklyAsync(toggle);
        var k6 = Scenario.K6Request("checkout", "logs-1", "validation", Scenario.Base.AddMinutes(1), 1150, errorRate: 0.12);
        signatures.Add(k6.Headers.GetValues("X-Guardian-Signature").Single());
        var response = await scenario.Anonymous.SendAsync(k6);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var instanceId = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement
            .GetProperty("events")[0].GetProperty("instanceId").GetString()!;
        var status = await scenario.WaitForCompletionAsync(instanceId);
        Assert.Equal("rolled-back", status.GetProperty("output").GetProperty("rollback").GetProperty("result").GetString());
        Assert.Equal(2, patches);

        // Valid deliveries whose credential travels in the query string (Split) and in Authorization (Unleash).
        foreach (var (provider, secret) in new[] { ("split", SplitSecret), ("unleash", UnleashSecret) })
        {
            var answer = await scenario.Anonymous.PostAsync($"/api/webhooks/flags/{provider}", FlagDeliveries.Signed(provider, FlagDeliveries.Sample(provider), secret));
            Assert.True((int)answer.Status < 500, answer.Body);
            var wrong = await scenario.Anonymous.PostAsync($"/api/webhooks/flags/{provider}", FlagDeliveries.Signed(provider, FlagDeliveries.Sample(provider), WrongSecret));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        }

        // Invalid: a signature made with the wrong secret, a tampered body, a bad CloudEvents signature, a wrong API key.
        var wrongSignature = HmacSignature.ComputeHex(WrongSecret, toggle);
        signatures.Add(wrongSignature);
        using (var forged = await scenario.Anonymous.SendAsync(Scenario.Signed("/api/webhooks/flags/launchdarkly", toggle, "X-LD-Signature", wrongSignature)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        }

        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(toggle).Replace("Grace", "Mallory", StringComparison.Ordinal));
        using (var tamper = await scenario.Anonymous.SendAsync(Scenario.Signed("/api/webhooks/flags/launchdarkly", tampered, "X-LD-Signature", signatures[0])))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, tamper.StatusCode);
        }

        var cloudEvent = Encoding.UTF8.GetBytes("""{"specversion":"1.0","id":"x","source":"/s","type":"releaseguardian.flag.changed.v1","data":{}}""");
        var wrongEventSignature = GuardianSignature.Sign(WrongSecret, cloudEvent);
        signatures.Add(wrongEventSignature);
        using (var badEvent = await scenario.Anonymous.SendAsync(Scenario.Signed("/api/events", cloudEvent, "X-Guardian-Signature", wrongEventSignature)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, badEvent.StatusCode);
        }

        using (var intruder = new HttpClient { BaseAddress = scenario.Anonymous.BaseAddress })
        {
            intruder.DefaultRequestHeaders.Add("x-functions-key", WrongSecret);
            using var denied = await intruder.GetAsync("/api/guardians");
            Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        }

        await Task.Delay(200); // Let the last request's logs land.
        var entries = logs.Entries;
        Assert.NotEmpty(entries);
        Assert.Contains(entries, e => e.Contains(instanceId, StringComparison.Ordinal)); // the capture sees the workflow's logs
        string[] forbidden =
        [
            Scenario.LaunchDarklySecret, Scenario.K6Secret, Scenario.EventsSecret, Scenario.LaunchDarklyToken,
            GuardianServer.ApiKey, SplitSecret, UnleashSecret, WrongSecret, .. signatures,
        ];
        foreach (var secret in forbidden)
        {
            var leak = entries.FirstOrDefault(e => e.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak is null, $"'{secret}' appears in the logs: {leak}");
        }
    }
}
