using System.Net;
using System.Text.Json;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Functions.Tests.Support;

/// <summary>
/// The workshop story's arrangement for the Functions app: the app's durable functions on the in-process test host
/// over Azurite, a LaunchDarkly stand-in on loopback that records the rollback requests, a webhook notification target,
/// and the app's HTTP functions invoked in process for every step a person or a sender would take.
/// </summary>
public sealed class FunctionsStory : IAsyncDisposable
{
    public const string ApiKey = "functions-test-management-key";
    public const string LaunchDarklySecret = "ld-webhook-secret";
    public const string K6Secret = "k6-secret";
    public const string EventsSecret = "events-secret";
    public const string LaunchDarklyToken = "api-0123-token";

    private FunctionsStory(FunctionsDurableHost host, LoopbackServer launchDarkly, LoopbackServer hook)
    {
        Host = host;
        Http = new FunctionsHttp(host);
        LaunchDarkly = launchDarkly;
        Hook = hook;
    }

    /// <summary>The durable functions on the test host.</summary>
    public FunctionsDurableHost Host { get; }

    /// <summary>The HTTP functions, invoked in process.</summary>
    public FunctionsHttp Http { get; }

    /// <summary>Stands in for LaunchDarkly's REST API (the rollback target).</summary>
    public LoopbackServer LaunchDarkly { get; }

    /// <summary>The guardian's webhook notification target.</summary>
    public LoopbackServer Hook { get; }

    /// <summary>The PATCH requests LaunchDarkly received (rollbacks).</summary>
    public IReadOnlyList<RecordedRequest> Rollbacks => LaunchDarkly.Requests.Where(r => r.Method == "PATCH").ToList();

    /// <summary>The app's settings for a story on <paramref name="azurite"/>, with its own storage prefix.</summary>
    public static Dictionary<string, string?> Settings(string storage, Uri launchDarkly) => new()
    {
        ["AzureWebJobsStorage"] = storage,
        ["Storage:Prefix"] = AzuriteFixture.UniqueName("f"),
        ["Guardian:ApiKey"] = ApiKey,
        ["Webhooks:launchdarkly:Secret"] = LaunchDarklySecret,
        ["Webhooks:k6:Secret"] = K6Secret,
        ["Webhooks:events:Secret"] = EventsSecret,
        ["Providers:launchdarkly:BaseUrl"] = launchDarkly.ToString().TrimEnd('/'),
        ["Providers:launchdarkly:ApiToken"] = LaunchDarklyToken,
        ["Rollback:RetryBaseDelayMs"] = "10",
        ["Notifications:RetryBaseDelayMs"] = "10",
        // The flag service and the notification target are loopback servers.
        ["Outbound:AllowPrivateNetworks"] = "true",
    };

    /// <summary>Starts the story's parts.</summary>
    public static async Task<FunctionsStory> StartAsync(AzuriteFixture azurite)
    {
        var launchDarkly = await LoopbackServer.StartAsync(200, """{"key":"new-checkout"}""");
        var hook = await LoopbackServer.StartAsync(204, "");
        var host = await FunctionsDurableHost.StartAsync(Settings(azurite.ConnectionString, launchDarkly.BaseAddress));
        return new FunctionsStory(host, launchDarkly, hook);
    }

    /// <summary>PUTs the workshop guardian through the PutGuardian function and insists it was accepted.</summary>
    public async Task PutGuardianAsync(string id, string? objectives = null)
    {
        var response = await Http.SendAsync(HttpMethod.Put, $"/api/guardians/{id}",
            System.Text.Encoding.UTF8.GetBytes(WorkshopPayloads.Guardian(id, Hook.BaseAddress + "hook", objectives)),
            [new("x-functions-key", ApiKey), new("Content-Type", "application/json")]);
        Assert.True(response.Status is 200 or 201, $"PUT guardian {id}: {response.Status} {response.Text}");
    }

    /// <summary>Posts a signed k6 summary through the LoadTestWebhook function; returns the instance id it started.</summary>
    public async Task<string> PostK6Async(string guardian, string testId, string purpose, DateTimeOffset start, int requests, double errorRate)
    {
        var summary = WorkshopPayloads.K6Summary(requests, errorRate);
        var response = await Http.SendAsync(HttpMethod.Post,
            "/api/webhooks/loadtests/k6?" + WorkshopPayloads.K6Query(guardian, testId, purpose, start), summary,
            [new("X-Guardian-Signature", GuardianSignature.Sign(K6Secret, summary)), new("Content-Type", "application/json")]);
        Assert.True(response.Status == (int)HttpStatusCode.Accepted, $"k6 {testId}: {response.Status} {response.Text}");
        using var accepted = JsonDocument.Parse(response.Body);
        return accepted.RootElement.GetProperty("events")[0].GetProperty("instanceId").GetString()!;
    }

    /// <summary>Posts a signed LaunchDarkly audit-log webhook through the FlagWebhook function and insists it was accepted.</summary>
    public async Task PostLaunchDarklyAsync(byte[] body)
    {
        var response = await Http.SendAsync(HttpMethod.Post, "/api/webhooks/flags/launchdarkly", body,
            [new("X-LD-Signature", HmacSignature.ComputeHex(LaunchDarklySecret, body)), new("Content-Type", "application/json")]);
        Assert.True(response.Status == (int)HttpStatusCode.Accepted, $"LaunchDarkly: {response.Status} {response.Text}");
    }

    /// <summary>Five healthy training runs, one a minute from the story's base time, each waited for.</summary>
    public async Task TrainAsync(string guardian, int runs = 5)
    {
        for (var i = 0; i < runs; i++)
        {
            var instance = await PostK6Async(guardian, $"train-{i + 1}", "training", WorkshopPayloads.Base.AddMinutes(i),
                WorkshopPayloads.TrainingRequests[i % WorkshopPayloads.TrainingRequests.Length], errorRate: 0);
            var state = await Host.WaitForEndAsync(instance);
            Assert.True(state.RuntimeStatus == Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Completed,
                $"{instance}: {state.RuntimeStatus} {state.FailureDetails?.ErrorMessage}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await LaunchDarkly.DisposeAsync();
        await Hook.DisposeAsync();
    }
}
