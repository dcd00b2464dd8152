using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Reliability;

/// <summary>
/// The standalone server killed (SIGKILL) in the middle of a release workflow, and a new process started on the same
/// storage: the run resumes from the engine's history.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ServerCrashTests(AzuriteFixture azurite)
{
    private const string ApiKey = "crash-test-key";
    private const string Guardian = "checkout";

    /// <summary>
    /// Killed while its RollbackFlag activity waits on the flag service: the engine has stored QuerySignals' and
    /// JudgeRun's results in the instance's history, so the restart replays them and runs only the activity that was
    /// in flight (again, once its message's visibility timeout ends) and the notification. The rollback answers from
    /// the ledger and the run is saved once, so there is still exactly one effective rollback and one run.
    /// </summary>
    [Fact]
    public async Task A_server_killed_while_rolling_back_resumes_on_restart_with_exactly_one_effective_rollback()
    {
        // LaunchDarkly's stand-in holds the first rollback PATCH open until the server that sent it is dead; later ones succeed.
        var firstPatchArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var serverKilled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var patches = 0;
        var successfulPatches = 0;
        await using var launchDarkly = await LoopbackServer.StartAsync(async (request, context) =>
        {
            if (request.Method == "PATCH" && Interlocked.Increment(ref patches) == 1)
            {
                firstPatchArrived.TrySetResult();
                await serverKilled.Task;
                return;
            }

            if (request.Method == "PATCH")
            {
                Interlocked.Increment(ref successfulPatches);
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"key":"new-checkout"}""");
        });
        await using var hook = await LoopbackServer.StartAsync(204, "");
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Storage:Prefix"] = AzuriteFixture.UniqueName("crash"),
            ["Guardian:ApiKey"] = ApiKey,
            ["Outbound:AllowPrivateNetworks"] = "true",
            ["Webhooks:launchdarkly:Secret"] = Scenario.LaunchDarklySecret,
            ["Webhooks:k6:Secret"] = Scenario.K6Secret,
            ["Providers:launchdarkly:BaseUrl"] = launchDarkly.BaseAddress.ToString().TrimEnd('/'),
            ["Providers:launchdarkly:ApiToken"] = Scenario.LaunchDarklyToken,
            ["Rollback:RetryBaseDelayMs"] = "10",
            ["Notifications:RetryBaseDelayMs"] = "10",
            ["Workflow:Partitions"] = "1",
            ["Workflow:MaxQueuePollingInterval"] = "00:00:00.100",
            // The dead server's partition lease runs out after this, and the restart takes the partition over.
            ["Workflow:LeaseInterval"] = "00:00:06",
            ["Workflow:LeaseRenewInterval"] = "00:00:02",
            ["Workflow:LeaseAcquireInterval"] = "00:00:01",
            // The activity in flight reappears after this; long enough that the first server never retries it itself.
            ["Workflow:WorkItemVisibilityTimeout"] = "00:00:05",
            ["Workflow:ControlQueueVisibilityTimeout"] = "00:00:05",
        };

        string instanceId;
        Dictionary<string, int> firstRun;
        await using (var first = await ServerProcess.StartAsync(settings))
        {
            using var api = first.Management(ApiKey);
            using var put = await api.PutAsync($"/api/guardians/{Guardian}",
                new StringContent(Scenario.Guardian(Guardian, hook.BaseAddress + "hook", Scenario.StaticObjectives), Encoding.UTF8, "application/json"));
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
            var toggle = Scenario.LaunchDarklyToggle("chg-crash", Scenario.Base.AddSeconds(30), turnOn: true);
            using var flag = await api.SendAsync(Scenario.Signed("/api/webhooks/flags/launchdarkly", toggle, "X-LD-Signature",
                HmacSignature.ComputeHex(Scenario.LaunchDarklySecret, toggle)));
            Assert.Equal(HttpStatusCode.Accepted, flag.StatusCode);
            using var k6 = await api.SendAsync(Scenario.K6Request(Guardian, "validate-crash", "validation", Scenario.Base.AddMinutes(1), 1150, errorRate: 0.12));
            Assert.True(k6.StatusCode == HttpStatusCode.Accepted, await k6.Content.ReadAsStringAsync());
            instanceId = (await k6.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("events")[0].GetProperty("instanceId").GetString()!;

            await firstPatchArrived.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await StepAsync(api, instanceId) != "rolling-back")
            {
                Assert.True(DateTime.UtcNow < deadline, "the rollback's step was never recorded");
                await Task.Delay(50);
            }

            firstRun = ActivitiesRun(first.Output, instanceId);
            await first.KillAsync();
            serverKilled.TrySetResult();
        }

        await using var second = await ServerProcess.StartAsync(settings);
        using var restarted = second.Management(ApiKey);
        var status = await Scenario.WaitForCompletionAsync(restarted, instanceId);

        Assert.Equal("Completed", status.GetProperty("runtimeStatus").GetString());
        var output = status.GetProperty("output");
        Assert.Equal("nogo", output.GetProperty("decision").GetString());
        Assert.Equal("rolled-back", output.GetProperty("rollback").GetProperty("result").GetString());
        // The PATCH lost with the first process, then exactly one that took effect.
        Assert.Equal(2, patches);
        Assert.Equal(1, successfulPatches);
        // What each process ran: the first got as far as the rollback; the second replayed the two activities before it.
        Assert.Equal(new Dictionary<string, int> { ["QuerySignals"] = 1, ["JudgeRun"] = 1, ["RollbackFlag"] = 1 }, firstRun);
        Assert.Equal(new Dictionary<string, int> { ["RollbackFlag"] = 1, ["RecordAndSendNotifications"] = 1 }, ActivitiesRun(second.Output, instanceId));
        var runs = await restarted.GetFromJsonAsync<JsonElement>($"/api/guardians/{Guardian}/runs");
        Assert.Single(runs.GetProperty("runs").EnumerateArray());
        var notifications = await restarted.GetFromJsonAsync<JsonElement>("/api/notifications");
        Assert.Single(notifications.GetProperty("notifications").EnumerateArray());
        Assert.Single(hook.Requests);
    }

    // The engine logs each activity execution ("Activity {name} of workflow instance {id} runs").
    private static Dictionary<string, int> ActivitiesRun(IEnumerable<string> output, string instanceId) => output
        .Select(line => System.Text.RegularExpressions.Regex.Match(line, $@"Activity (\w+) of workflow instance {System.Text.RegularExpressions.Regex.Escape(instanceId)} runs"))
        .Where(match => match.Success)
        .GroupBy(match => match.Groups[1].Value)
        .ToDictionary(group => group.Key, group => group.Count());

    private static async Task<string?> StepAsync(HttpClient api, string instanceId)
    {
        var status = await api.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances/{instanceId}");
        return status.TryGetProperty("customStatus", out var custom) && custom.ValueKind == JsonValueKind.Object
            ? custom.GetProperty("step").GetString()
            : null;
    }
}
