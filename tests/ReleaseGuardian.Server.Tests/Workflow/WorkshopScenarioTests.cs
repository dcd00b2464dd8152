using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ReleaseGuardian.Infrastructure.Ingestion;
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
    private const string LaunchDarklySecret = "ld-webhook-secret";
    private const string K6Secret = "k6-secret";
    private const string LaunchDarklyToken = "api-0123-token";
    private static readonly DateTimeOffset Base = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_bad_flag_change_is_caught_rolled_back_through_LaunchDarkly_and_notified_exactly_once()
    {
        await using var launchDarkly = await LoopbackServer.StartAsync(200, """{"key":"new-checkout"}""");
        await using var hook = await LoopbackServer.StartAsync(204, "");
        using var server = GuardianServer.Start(azurite, new Dictionary<string, string?>
        {
            ["Webhooks:launchdarkly:Secret"] = LaunchDarklySecret,
            ["Webhooks:k6:Secret"] = K6Secret,
            ["Providers:launchdarkly:BaseUrl"] = launchDarkly.BaseAddress.ToString().TrimEnd('/'),
            ["Providers:launchdarkly:ApiToken"] = LaunchDarklyToken,
            ["Rollback:RetryBaseDelayMs"] = "10",
            ["Notifications:RetryBaseDelayMs"] = "10",
        });
        using var api = server.Management();
        using var anonymous = server.Anonymous();
        (await api.PutAsync("/api/guardians/checkout", Json(Guardian(hook.BaseAddress)))).EnsureSuccessStatusCode();

        // 1. Five healthy training runs leave the guardian trained.
        int[] requests = [1171, 1180, 1165, 1175, 1169];
        for (var i = 0; i < requests.Length; i++)
        {
            var status = await PostK6AndWaitAsync(anonymous, api, $"train-{i + 1}", "training", Base.AddMinutes(i), requests[i], errorRate: 0);
            Assert.Equal("Completed", status.GetProperty("runtimeStatus").GetString());
        }

        // 2. LaunchDarkly reports that someone turned the flag on.
        var flagOn = LaunchDarklyTurnedOn(Base.AddMinutes(6).AddSeconds(30));
        var ldResponse = await anonymous.SendAsync(Signed("/api/webhooks/flags/launchdarkly", flagOn, "X-LD-Signature", HmacSignature.ComputeHex(LaunchDarklySecret, flagOn)));
        Assert.Equal(HttpStatusCode.Accepted, ldResponse.StatusCode);

        // 3. A validation run with a 12% error rate is a No-Go on the error-rate objective.
        var validation = await PostK6AndWaitAsync(anonymous, api, "validate-1", "validation", Base.AddMinutes(7), 1150, errorRate: 0.12);
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
        Assert.Equal(LaunchDarklyToken, patch.Header("Authorization"));
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
        var again = await anonymous.SendAsync(K6Request("validate-1", "validation", Base.AddMinutes(7), 1150, 0.12));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var againBody = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("checkout:lt-validate-1", againBody.GetProperty("events")[0].GetProperty("instanceId").GetString());
        await Task.Delay(500);
        Assert.Single(launchDarkly.Requests);
        Assert.Single(hook.Requests);
        var runs = await api.GetFromJsonAsync<JsonElement>("/api/guardians/checkout/runs");
        Assert.Equal(6, runs.GetProperty("runs").GetArrayLength());
    }

    private static async Task<JsonElement> PostK6AndWaitAsync(
        HttpClient anonymous, HttpClient api, string testId, string purpose, DateTimeOffset start, int requests, double errorRate)
    {
        var response = await anonymous.SendAsync(K6Request(testId, purpose, start, requests, errorRate));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        var instanceId = accepted.GetProperty("events")[0].GetProperty("instanceId").GetString()!;
        return await WaitForCompletionAsync(api, instanceId);
    }

    internal static async Task<JsonElement> WaitForCompletionAsync(HttpClient api, string instanceId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = await api.GetAsync($"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}");
            if (status.StatusCode == HttpStatusCode.OK)
            {
                return await status.Content.ReadFromJsonAsync<JsonElement>();
            }

            Assert.True(DateTime.UtcNow < deadline, $"{instanceId} did not finish: {await status.Content.ReadAsStringAsync()}");
            await Task.Delay(50);
        }
    }

    private static HttpRequestMessage K6Request(string testId, string purpose, DateTimeOffset start, int requests, double errorRate)
    {
        var failed = (int)Math.Round(requests * errorRate);
        var summary = Encoding.UTF8.GetBytes($$$"""
            {"state":{"testRunDurationMs":60000},
             "metrics":{
               "http_req_duration":{"type":"trend","contains":"time","values":{"avg":210.5,"med":190.1,"p(90)":280.2,"p(95)":310.7,"min":40.2,"max":890.3} },
               "http_req_failed":{"type":"rate","contains":"default","values":{"rate":{{{(failed / (double)requests).ToString(CultureInfo.InvariantCulture)}}},"passes":{{{failed}}},"fails":{{{requests - failed}}} } },
               "http_reqs":{"type":"counter","contains":"default","values":{"count":{{{requests}}},"rate":{{{(requests / 60.0).ToString(CultureInfo.InvariantCulture)}}} } } } }
            """);
        var query = $"guardian=checkout&purpose={purpose}&testId={testId}&start={Uri.EscapeDataString(start.ToString("O"))}&end={Uri.EscapeDataString(start.AddMinutes(1).ToString("O"))}";
        return Signed($"/api/webhooks/loadtests/k6?{query}", summary, "X-Guardian-Signature", GuardianSignature.Sign(K6Secret, summary));
    }

    private static HttpRequestMessage Signed(string path, byte[] body, string header, string signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(header, signature);
        return request;
    }

    private static byte[] LaunchDarklyTurnedOn(DateTimeOffset at) => Encoding.UTF8.GetBytes($$$"""
        {"_id":"65a1f0c2e4b0a1d2c3f4a5c6","date":{{{at.ToUnixTimeMilliseconds()}}},"kind":"flag","name":"New checkout",
         "accesses":[{"action":"updateOn","resource":"proj/default:env/production:flag/new-checkout"}],
         "member":{"_id":"m2","email":"grace@example.org","firstName":"Grace","lastName":"Hopper"},
         "titleVerb":"turned on the flag","title":"Grace Hopper turned on the flag New checkout in Production",
         "previousVersion":{"key":"new-checkout","environments":{"production":{"on":false,"version":7} } },
         "currentVersion":{"key":"new-checkout","environments":{"production":{"on":true,"version":8} } } }
        """);

    private static string Guardian(Uri hook) => $$$"""
        {"id":"checkout","displayName":"Checkout service","service":"checkout",
         "flag":{"provider":"launchdarkly","key":"new-checkout","project":"default","environment":"production"},
         "metrics":{"source":"loadtest"},
         "objectives":[
           {"name":"p95 latency","signal":"latency.p95","direction":"lowerIsBetter","thresholds":{"mode":"static","warning":600,"failure":800} },
           {"name":"error rate","signal":"errors.rate","direction":"lowerIsBetter","thresholds":{"mode":"adaptive"},"key":true,"minRequests":100},
           {"name":"traffic","signal":"traffic.requests","direction":"higherIsBetter","thresholds":{"mode":"adaptive"} }],
         "policy":{"rollbackOn":["nogo"],"notify":[{"type":"webhook","url":"{{{hook}}}hook"}]} }
        """;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
