using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Training;

/// <summary>
/// A server process killed (SIGKILL) in the middle of a baseline training, and a new one started on the same storage:
/// the training resumes from the engine's history and never launches again a load test whose launch had finished.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TrainingCrashTests(AzuriteFixture azurite)
{
    private const string ApiKey = "training-crash-key";

    [Fact]
    public async Task A_server_killed_mid_training_resumes_on_restart_without_relaunching_a_finished_launch()
    {
        var launches = new ConcurrentQueue<JsonElement>();
        await using var ci = await LoopbackServer.StartAsync(async (request, context) =>
        {
            launches.Enqueue(JsonDocument.Parse(request.Body).RootElement.Clone());
            context.Response.StatusCode = 202;
            await context.Response.WriteAsync("");
        });
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Storage:Prefix"] = AzuriteFixture.UniqueName("trcrash"),
            ["Guardian:ApiKey"] = ApiKey,
            ["Webhooks:k6:Secret"] = Scenario.K6Secret,
            // The "CI system" the launcher calls is a loopback server, and the only destination the operator allows.
            ["Outbound:AllowPrivateNetworks"] = "true",
            ["LoadTest:AllowedUrls"] = ci.BaseAddress + "launch",
            ["Workflow:Partitions"] = "1",
            ["Workflow:MaxQueuePollingInterval"] = "00:00:00.100",
            // The dead server's partition lease runs out after this, and the restart takes the partition over.
            ["Workflow:LeaseInterval"] = "00:00:06",
            ["Workflow:LeaseRenewInterval"] = "00:00:02",
            ["Workflow:LeaseAcquireInterval"] = "00:00:01",
            ["Workflow:WorkItemVisibilityTimeout"] = "00:00:05",
            ["Workflow:ControlQueueVisibilityTimeout"] = "00:00:05",
        };

        string instanceId;
        await using (var first = await ServerProcess.StartAsync(settings))
        {
            using var api = first.Management(ApiKey);
            var guardian = Scenario.Guardian("checkout", "https://hooks.example.org/unused").Replace(
                "\"metrics\":",
                $$"""
                "loadTest":{"launcher":"http","url":"{{ci.BaseAddress}}launch","tool":"k6"},"training":{"minRuns":3},"metrics":
                """.Trim(),
                StringComparison.Ordinal);
            using var put = await api.PutAsync("/api/guardians/checkout", new StringContent(guardian, Encoding.UTF8, "application/json"));
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
            using var start = await api.PostAsync("/api/guardians/checkout/training", new StringContent("""{"runs":3}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
            instanceId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

            // Run 1 finishes on the first server; run 2 is launched and its launch recorded, then the server dies.
            await PostResultAsync(api, await LaunchAsync(launches, 1), 1);
            var second = await LaunchAsync(launches, 2);
            await WaitForDetailAsync(api, instanceId, "training 1/3: waiting for " + second.GetProperty("testId").GetString());
            await first.KillAsync();
        }

        await using var restarted = await ServerProcess.StartAsync(settings);
        using var again = restarted.Management(ApiKey);
        await PostResultAsync(again, launches.ElementAt(1), 2);
        await PostResultAsync(again, await LaunchAsync(launches, 3), 3);
        var done = await Scenario.WaitForCompletionAsync(again, instanceId);

        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        Assert.Equal(3, done.GetProperty("output").GetProperty("runsCounted").GetInt32());
        // Three launches in all, each test id once: nothing that had been launched was launched again.
        Assert.Equal(3, launches.Count);
        Assert.Equal(3, launches.Select(l => l.GetProperty("testId").GetString()).Distinct().Count());
    }

    private static async Task<JsonElement> LaunchAsync(ConcurrentQueue<JsonElement> launches, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (launches.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"launch {count} never came");
            await Task.Delay(50);
        }

        return launches.ElementAt(count - 1);
    }

    private static async Task WaitForDetailAsync(HttpClient api, string instanceId, string detail)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = await api.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}");
            if (status.TryGetProperty("customStatus", out var custom) && custom.ValueKind == JsonValueKind.Object
                && custom.GetProperty("detail").GetString() == detail)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"never '{detail}': {status}");
            await Task.Delay(50);
        }
    }

    // The runner's result: the k6 summary, signed, to the result URL's path and query on whichever server is up now.
    private static async Task PostResultAsync(HttpClient api, JsonElement launch, int n)
    {
        var resultUrl = new Uri(launch.GetProperty("resultUrl").GetString()!);
        var start = Scenario.Base.AddMinutes(n);
        using var template = Scenario.K6Request("unused", "unused", "unused", start, 1170, errorRate: 0);
        var body = await template.Content!.ReadAsByteArrayAsync();
        var url = resultUrl.PathAndQuery + $"&start={Uri.EscapeDataString(start.ToString("O"))}&end={Uri.EscapeDataString(start.AddMinutes(1).ToString("O"))}";
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Guardian-Signature", GuardianSignature.Sign(Scenario.K6Secret, body));
        using var response = await api.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
