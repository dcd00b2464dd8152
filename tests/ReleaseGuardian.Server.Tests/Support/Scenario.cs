using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Support;

/// <summary>
/// One release story on the standalone server over real HTTP: a LaunchDarkly stand-in that records the
/// rollback requests, a webhook notification target, signed k6 results and LaunchDarkly webhooks, and
/// waiting for the workflow instances they start.
/// </summary>
public sealed class Scenario : IAsyncDisposable
{
    public const string LaunchDarklySecret = "ld-webhook-secret";
    public const string K6Secret = "k6-secret";
    public const string EventsSecret = "events-secret";
    public const string LaunchDarklyToken = "api-0123-token";

    /// <summary>The first training run's start; later steps are minutes after it.</summary>
    public static readonly DateTimeOffset Base = WorkshopPayloads.Base;

    private Scenario(GuardianServer server, LoopbackServer launchDarkly, LoopbackServer hook)
    {
        Server = server;
        LaunchDarkly = launchDarkly;
        Hook = hook;
        Api = server.Management();
        Anonymous = server.Anonymous();
    }

    public GuardianServer Server { get; }

    /// <summary>Stands in for LaunchDarkly's REST API (the rollback target).</summary>
    public LoopbackServer LaunchDarkly { get; }

    /// <summary>The guardians' webhook notification target (<see cref="HookUrl"/>).</summary>
    public LoopbackServer Hook { get; }

    public string HookUrl => Hook.BaseAddress + "hook";

    /// <summary>Sends the management key.</summary>
    public HttpClient Api { get; }

    /// <summary>Sends nothing but what a webhook sender would.</summary>
    public HttpClient Anonymous { get; }

    /// <summary>
    /// Starts the server with webhook secrets for LaunchDarkly, k6 and CloudEvents, LaunchDarkly pointed at a
    /// loopback server (answering 200 unless <paramref name="launchDarkly"/> says otherwise) and short retry delays.
    /// </summary>
    public static async Task<Scenario> StartAsync(
        AzuriteFixture azurite,
        Func<RecordedRequest, HttpContext, Task>? launchDarkly = null,
        IDictionary<string, string?>? settings = null,
        CapturedLogs? logs = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var flagService = launchDarkly is null
            ? await LoopbackServer.StartAsync(200, """{"key":"new-checkout"}""")
            : await LoopbackServer.StartAsync(launchDarkly);
        var hook = await LoopbackServer.StartAsync(204, "");
        var all = new Dictionary<string, string?>
        {
            ["Webhooks:launchdarkly:Secret"] = LaunchDarklySecret,
            ["Webhooks:k6:Secret"] = K6Secret,
            ["Webhooks:events:Secret"] = EventsSecret,
            ["Providers:launchdarkly:BaseUrl"] = flagService.BaseAddress.ToString().TrimEnd('/'),
            ["Providers:launchdarkly:ApiToken"] = LaunchDarklyToken,
            ["Rollback:RetryBaseDelayMs"] = "10",
            ["Notifications:RetryBaseDelayMs"] = "10",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return new Scenario(GuardianServer.Start(azurite.ConnectionString, all, logs, services: services), flagService, hook);
    }

    /// <summary>PUTs a guardian definition and insists it was accepted.</summary>
    public async Task PutGuardianAsync(string id, string definitionJson)
    {
        var response = await Api.PutAsync($"/api/guardians/{id}", new StringContent(definitionJson, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"PUT guardian {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Posts a signed k6 summary for <paramref name="guardian"/> and returns the workflow instance id it started.</summary>
    public async Task<string> PostK6Async(string guardian, string testId, string purpose, DateTimeOffset start, int requests, double errorRate)
    {
        var response = await Anonymous.SendAsync(K6Request(guardian, testId, purpose, start, requests, errorRate));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        return accepted.GetProperty("events")[0].GetProperty("instanceId").GetString()!;
    }

    /// <summary>Posts a signed k6 summary and waits until its workflow instance is done; returns the final status.</summary>
    public async Task<JsonElement> PostK6AndWaitAsync(string guardian, string testId, string purpose, DateTimeOffset start, int requests, double errorRate) =>
        await WaitForCompletionAsync(await PostK6Async(guardian, testId, purpose, start, requests, errorRate));

    /// <summary>Five healthy training runs (one a minute from <see cref="Base"/>) that leave an adaptive guardian trained.</summary>
    public async Task TrainAsync(string guardian, int runs = 5)
    {
        var requests = WorkshopPayloads.TrainingRequests;
        for (var i = 0; i < runs; i++)
        {
            var status = await PostK6AndWaitAsync(guardian, $"train-{i + 1}", "training", Base.AddMinutes(i), requests[i % requests.Length], errorRate: 0);
            Assert.Equal("Completed", status.GetProperty("runtimeStatus").GetString());
        }
    }

    /// <summary>Posts a signed LaunchDarkly audit-log webhook and insists it was accepted.</summary>
    public async Task PostLaunchDarklyAsync(byte[] body)
    {
        var response = await Anonymous.SendAsync(Signed("/api/webhooks/flags/launchdarkly", body, "X-LD-Signature", HmacSignature.ComputeHex(LaunchDarklySecret, body)));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Posts CloudEvents (structured or batch JSON) to /api/events, signed; returns the answer.</summary>
    public async Task<HttpResponseMessage> PostCloudEventAsync(string json, string contentType = "application/cloudevents+json")
    {
        var body = Encoding.UTF8.GetBytes(json);
        var request = Signed("/api/events", body, "X-Guardian-Signature", GuardianSignature.Sign(EventsSecret, body));
        request.Content!.Headers.ContentType = new(contentType);
        return await Anonymous.SendAsync(request);
    }

    /// <summary>Polls the Durable-compatible status route until it answers 200 (done).</summary>
    public Task<JsonElement> WaitForCompletionAsync(string instanceId) => WaitForCompletionAsync(Api, instanceId);

    /// <summary>Polls the Durable-compatible status route until it answers 200 (done).</summary>
    public static async Task<JsonElement> WaitForCompletionAsync(HttpClient api, string instanceId)
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

    /// <summary>GETs a management route and insists on 200.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        var response = await Api.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The stored notifications of a guardian, newest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> NotificationsAsync(string guardian) =>
        (await GetJsonAsync($"/api/notifications?guardian={guardian}")).GetProperty("notifications").EnumerateArray().ToList();

    /// <summary>The PATCH requests LaunchDarkly received (rollbacks).</summary>
    public IReadOnlyList<RecordedRequest> Rollbacks => LaunchDarkly.Requests.Where(r => r.Method == "PATCH").ToList();

    /// <summary>A signed k6 end-of-test summary for <paramref name="guardian"/> over one minute from <paramref name="start"/>.</summary>
    public static HttpRequestMessage K6Request(string guardian, string testId, string purpose, DateTimeOffset start, int requests, double errorRate)
    {
        var summary = WorkshopPayloads.K6Summary(requests, errorRate);
        var query = WorkshopPayloads.K6Query(guardian, testId, purpose, start);
        return Signed($"/api/webhooks/loadtests/k6?{query}", summary, "X-Guardian-Signature", GuardianSignature.Sign(K6Secret, summary));
    }

    public static HttpRequestMessage Signed(string path, byte[] body, string header, string signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(header, signature);
        return request;
    }

    /// <summary>
    /// A LaunchDarkly audit-log webhook: <paramref name="actor"/> turned flag new-checkout in production on
    /// (or off) at <paramref name="at"/>, as change <paramref name="changeId"/>.
    /// </summary>
    public static byte[] LaunchDarklyToggle(string changeId, DateTimeOffset at, bool turnOn,
        string email = "grace@example.org", string firstName = "Grace", string lastName = "Hopper") =>
        WorkshopPayloads.LaunchDarklyToggle(changeId, at, turnOn, email, firstName, lastName);

    /// <summary>
    /// A guardian of the checkout service bound to LaunchDarkly flag new-checkout, notifying <paramref name="hookUrl"/>.
    /// The defaults are the workshop guardian: static p95 latency, adaptive key error rate, adaptive traffic.
    /// </summary>
    public static string Guardian(
        string id, string hookUrl, string? objectives = null, string metrics = """{"source":"loadtest"}""", string rollbackOn = """["nogo"]""") =>
        WorkshopPayloads.Guardian(id, hookUrl, objectives, metrics, rollbackOn);

    /// <summary>The workshop's objectives: static p95 latency, adaptive key error rate (min 100 requests), adaptive traffic.</summary>
    public const string WorkshopObjectives = WorkshopPayloads.WorkshopObjectives;

    /// <summary>Static objectives only, so a fresh guardian judges at once: error rate fails above 5%.</summary>
    public const string StaticObjectives = WorkshopPayloads.StaticObjectives;

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        Anonymous.Dispose();
        Server.Dispose();
        await LaunchDarkly.DisposeAsync();
        await Hook.DisposeAsync();
    }
}
