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
/// storage: the run resumes from its checkpoints.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ServerCrashTests(AzuriteFixture azurite)
{
    private const string ApiKey = "crash-test-key";
    private const string Guardian = "checkout";

    /// <summary>
    /// Killed once the rollback has been working past <c>Workflow:ProgressDelay</c> (its progress and the earlier
    /// checkpoints are written by then): the restart replays QuerySignals and JudgeRun. Killed at once, before anything
    /// but the instance was written: the restart runs every activity again, and each answers from what it stored the
    /// first time (the saved run, the rollback ledger), so there is still exactly one effective rollback and one run.
    /// </summary>
    [Theory]
    [InlineData(true, "2 activities run, 2 replayed")]
    [InlineData(false, "4 activities run, 0 replayed")]
    public async Task A_server_killed_while_rolling_back_resumes_on_restart_with_exactly_one_effective_rollback(bool killAfterProgress, string restartLog)
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
            ["Workflow:PollInterval"] = "00:00:00.050",
            // A crashed run's work item reappears after this; long enough that the first server never retries it itself.
            ["Workflow:VisibilityTimeout"] = "00:00:05",
            // Killed at once: a progress delay far longer than the test makes "nothing written yet" certain, not a race.
            ["Workflow:ProgressDelay"] = killAfterProgress ? "00:00:00.250" : "00:00:30",
        };

        string instanceId;
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
            if (killAfterProgress)
            {
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (await StepAsync(api, instanceId) != "rolling-back")
                {
                    Assert.True(DateTime.UtcNow < deadline, "the rollback's progress was never written");
                    await Task.Delay(50);
                }
            }
            else
            {
                Assert.Equal("Pending", (await api.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances/{instanceId}")).GetProperty("runtimeStatus").GetString());
            }

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
        // What the second process replayed from checkpoints and what it ran again.
        Assert.Contains(second.Output, line => line.Contains($"Workflow instance {instanceId} completed: nogo ({restartLog})", StringComparison.Ordinal));
        var runs = await restarted.GetFromJsonAsync<JsonElement>($"/api/guardians/{Guardian}/runs");
        Assert.Single(runs.GetProperty("runs").EnumerateArray());
        var notifications = await restarted.GetFromJsonAsync<JsonElement>("/api/notifications");
        Assert.Single(notifications.GetProperty("notifications").EnumerateArray());
        Assert.Single(hook.Requests);
    }

    private static async Task<string?> StepAsync(HttpClient api, string instanceId)
    {
        var status = await api.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances/{instanceId}");
        return status.TryGetProperty("customStatus", out var custom) && custom.ValueKind == JsonValueKind.Object
            ? custom.GetProperty("step").GetString()
            : null;
    }
}
