using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Reliability;

/// <summary>
/// One load-test result delivered 20 times at once with the workflow runner on: one record, one orchestration
/// instance, one run. (<see cref="Ingestion.ConcurrentDeliveryTests"/> covers the record for every sender.)
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DuplicateDeliveryTests(AzuriteFixture azurite)
{
    private const int Deliveries = 20;

    [Fact]
    public async Task Twenty_concurrent_deliveries_of_one_load_test_start_one_orchestration_that_runs_once_and_records_one_run()
    {
        var logs = new CapturedLogs();
        await using var scenario = await Scenario.StartAsync(azurite, logs: logs);
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, Scenario.StaticObjectives));

        var responses = await Task.WhenAll(Enumerable.Range(0, Deliveries).Select(_ =>
            scenario.Anonymous.SendAsync(Scenario.K6Request("checkout", "dup-1", "validation", Scenario.Base, 1150, errorRate: 0.001))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var instanceIds = new List<string>();
        foreach (var response in responses)
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            instanceIds.Add(body.GetProperty("events")[0].GetProperty("instanceId").GetString()!);
        }

        var instanceId = Assert.Single(instanceIds.Distinct());
        var status = await scenario.WaitForCompletionAsync(instanceId);
        Assert.Equal("Completed", status.GetProperty("runtimeStatus").GetString());
        Assert.Equal("go", status.GetProperty("output").GetProperty("decision").GetString());

        var runs = await scenario.GetJsonAsync("/api/guardians/checkout/runs");
        Assert.Single(runs.GetProperty("runs").EnumerateArray());
        Assert.Single(await scenario.Api.TimelineAsync("checkout"), e => e.Kind == "loadTest");
        // The runner executed the instance once, not once per delivery.
        await Task.Delay(500);
        Assert.Single(logs.Entries, e => e.Contains($"Workflow instance {instanceId} completed", StringComparison.Ordinal));
    }
}
