using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Workflow;

/// <summary>The standalone host's Durable Task engine: idempotent starts under a race, and several servers on one task hub.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class EngineTests(AzuriteFixture azurite)
{
    private const string Evaluation = """{"start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:05:00Z","runId":"RUN","signals":{"latency.p95":312.5,"errors.rate":0.004,"traffic.requests":1180}}""";

    [Fact]
    public async Task Twenty_concurrent_starts_of_one_run_make_one_instance_and_every_caller_gets_its_status()
    {
        var logs = new CapturedLogs();
        await using var scenario = await Scenario.StartAsync(azurite, logs: logs);
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, Scenario.StaticObjectives));

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await scenario.Api.PostAsync("/api/guardians/checkout/evaluations", Json(Evaluation.Replace("RUN", "race-1")));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
            var statusUri = JsonDocument.Parse(body).RootElement.GetProperty("statusQueryGetUri").GetString()!;
            using var status = await scenario.Api.GetAsync(statusUri);
            Assert.Contains(status.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Accepted });
            return (await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("instanceId").GetString();
        }));

        Assert.All(answers, id => Assert.Equal("checkout:race-1", id));
        var done = await scenario.WaitForCompletionAsync("checkout:race-1");
        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        Assert.Equal("go", done.GetProperty("output").GetProperty("decision").GetString());
        // One instance ran: each activity once, one run saved.
        Assert.Equal(new Dictionary<string, int> { ["QuerySignals"] = 1, ["JudgeRun"] = 1 }, ActivitiesRun(logs.Entries, "checkout:race-1"));
        var runs = await scenario.GetJsonAsync("/api/guardians/checkout/runs");
        Assert.Single(runs.GetProperty("runs").EnumerateArray());
    }

    [Fact]
    public async Task Two_servers_sharing_one_task_hub_run_each_instance_once()
    {
        var firstLogs = new CapturedLogs();
        var secondLogs = new CapturedLogs();
        await using var scenario = await Scenario.StartAsync(azurite, logs: firstLogs);
        await using var second = GuardianServer.Start(azurite.ConnectionString, SameSecrets(), secondLogs, prefix: scenario.Server.Prefix);
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, Scenario.StaticObjectives));
        using var secondApi = second.Management();

        var instances = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            // Alternate the server that accepts the request; either may run it.
            var api = i % 2 == 0 ? scenario.Api : secondApi;
            using var response = await api.PostAsync("/api/guardians/checkout/evaluations", Json(Evaluation.Replace("RUN", $"shared-{i}")));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            instances.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }

        foreach (var instance in instances)
        {
            var done = await scenario.WaitForCompletionAsync(instance);
            Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
            var both = firstLogs.Entries.Concat(secondLogs.Entries);
            Assert.Equal(new Dictionary<string, int> { ["QuerySignals"] = 1, ["JudgeRun"] = 1 }, ActivitiesRun(both, instance));
        }

        var runs = await scenario.GetJsonAsync("/api/guardians/checkout/runs");
        Assert.Equal(6, runs.GetProperty("runs").GetArrayLength());
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static Dictionary<string, string?> SameSecrets() => new()
    {
        ["Webhooks:launchdarkly:Secret"] = Scenario.LaunchDarklySecret,
        ["Webhooks:k6:Secret"] = Scenario.K6Secret,
        ["Rollback:RetryBaseDelayMs"] = "10",
        ["Notifications:RetryBaseDelayMs"] = "10",
    };

    // The engine logs each activity execution: "Activity {name} of workflow instance {id} runs".
    private static Dictionary<string, int> ActivitiesRun(IEnumerable<string> entries, string instanceId) => entries
        .Select(line => Regex.Match(line, $@"Activity (\w+) of workflow instance {Regex.Escape(instanceId)} runs"))
        .Where(match => match.Success)
        .GroupBy(match => match.Groups[1].Value)
        .ToDictionary(group => group.Key, group => group.Count());
}
