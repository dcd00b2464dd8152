using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Releases;

/// <summary>
/// A server process killed (SIGKILL) in the middle of a release stage, and a new one started on the same storage: the
/// release resumes from the engine's history, without setting the rollout again or relaunching the finished launch.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReleaseCrashTests(AzuriteFixture azurite)
{
    private const string ApiKey = "release-crash-key";

    [Fact]
    public async Task A_server_killed_mid_stage_resumes_on_restart_without_setting_the_rollout_twice_or_relaunching()
    {
        var root = Directory.CreateTempSubdirectory("rg-release-crash-").FullName;
        var flagFile = Path.Combine(root, "flags.flagd.json");
        await File.WriteAllTextAsync(flagFile, ReleaseStory.FlagFileText);
        var launches = new ConcurrentQueue<(JsonElement Launch, string FlagFile)>();
        await using var ci = await LoopbackServer.StartAsync(async (request, context) =>
        {
            launches.Enqueue((JsonDocument.Parse(request.Body).RootElement.Clone(), await File.ReadAllTextAsync(flagFile)));
            context.Response.StatusCode = 202;
            await context.Response.WriteAsync("");
        });
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Storage:Prefix"] = AzuriteFixture.UniqueName("rlcrash"),
            ["Guardian:ApiKey"] = ApiKey,
            ["Webhooks:k6:Secret"] = Scenario.K6Secret,
            ["FlagFiles:Root"] = root,
            ["Outbound:AllowPrivateNetworks"] = "true",
            ["LoadTest:AllowedUrls"] = ci.BaseAddress + "launch",
            ["Workflow:Partitions"] = "1",
            ["Workflow:MaxQueuePollingInterval"] = "00:00:00.100",
            ["Workflow:LeaseInterval"] = "00:00:06",
            ["Workflow:LeaseRenewInterval"] = "00:00:02",
            ["Workflow:LeaseAcquireInterval"] = "00:00:01",
            ["Workflow:WorkItemVisibilityTimeout"] = "00:00:05",
            ["Workflow:ControlQueueVisibilityTimeout"] = "00:00:05",
        };

        string releaseId;
        var output = new List<string>();
        await using (var first = await ServerProcess.StartAsync(settings))
        {
            using var api = first.Management(ApiKey);
            var definition = JsonNode.Parse(Scenario.Guardian("checkout", "https://hooks.example.org/unused", Scenario.StaticObjectives))!.AsObject();
            definition["flag"] = new JsonObject { ["provider"] = "flagd", ["key"] = "new-checkout", ["settings"] = new JsonObject { ["source"] = flagFile } };
            definition["loadTest"] = new JsonObject { ["launcher"] = "http", ["url"] = ci.BaseAddress + "launch", ["tool"] = "k6" };
            using var put = await api.PutAsync("/api/guardians/checkout", new StringContent(definition.ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
            using var start = await api.PostAsync("/api/guardians/checkout/releases",
                new StringContent("""{"stages":[{"rollout":10},{"rollout":100}],"validate":"loadtest"}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
            releaseId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!["checkout:".Length..];

            // Stage 1's rollout is set and its load test launched and recorded; then the server dies mid-stage.
            var launch = await LaunchAsync(launches, 1);
            await WaitForDetailAsync(api, releaseId, $"stage 1/2: 10%, validating: waiting for {launch.Launch.GetProperty("testId").GetString()}");
            await first.KillAsync();
            output.AddRange(first.Output);
        }

        await using var restarted = await ServerProcess.StartAsync(settings);
        using var again = restarted.Management(ApiKey);
        await PostResultAsync(again, (await LaunchAsync(launches, 1)).Launch);
        await PostResultAsync(again, (await LaunchAsync(launches, 2)).Launch);
        var done = await Scenario.WaitForCompletionAsync(again, "checkout:" + releaseId);
        output.AddRange(restarted.Output);

        Assert.Equal("completed", done.GetProperty("output").GetProperty("state").GetString());
        // Two launches, one per stage, each at its stage's share: the finished launch was not launched again.
        Assert.Equal([10, 100], launches.Select(l => ReleaseStory.RolloutIn(l.FlagFile)));
        Assert.Equal(2, launches.Select(l => l.Launch.GetProperty("testId").GetString()).Distinct().Count());
        // Each stage's rollout was written once, across both processes.
        Assert.Equal(2, output.Count(l => l.Contains("Setting flagd flag new-checkout to serve on to", StringComparison.Ordinal)));
        Directory.Delete(root, recursive: true);
    }

    private static async Task<(JsonElement Launch, string FlagFile)> LaunchAsync(ConcurrentQueue<(JsonElement, string)> launches, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (launches.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"launch {count} never came");
            await Task.Delay(50);
        }

        return launches.ElementAt(count - 1);
    }

    private static async Task WaitForDetailAsync(HttpClient api, string releaseId, string detail)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = await api.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString("checkout:" + releaseId)}");
            if (status.TryGetProperty("customStatus", out var custom) && custom.ValueKind == JsonValueKind.Object
                && custom.GetProperty("detail").GetString() == detail)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"never '{detail}': {status}");
            await Task.Delay(50);
        }
    }

    private static async Task PostResultAsync(HttpClient api, JsonElement launch)
    {
        var resultUrl = new Uri(launch.GetProperty("resultUrl").GetString()!);
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        var body = WorkshopPayloads.K6Summary(1200, 0);
        var url = resultUrl.PathAndQuery + $"&start={Uri.EscapeDataString(start.ToString("O"))}&end={Uri.EscapeDataString(start.AddMinutes(1).ToString("O"))}";
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Guardian-Signature", GuardianSignature.Sign(Scenario.K6Secret, body));
        using var response = await api.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
