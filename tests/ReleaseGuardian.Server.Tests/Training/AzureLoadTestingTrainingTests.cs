using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Infrastructure.LoadTesting;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Training;

/// <summary>
/// Baseline training through an <c>azureloadtesting</c> guardian, end to end on the standalone engine and Azurite: the
/// launcher creates test runs on a loopback stand-in of the data plane (<see cref="AzureLoadTestingDataPlane"/>, routed
/// after the launcher's host check, with a test token credential), the orchestration polls each run on durable timers
/// until it ends, records the done run's metrics as a load-test result and evaluates it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureLoadTestingTrainingTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Training_polls_each_run_until_done_counts_its_metrics_as_the_runs_signals_and_retries_a_failed_run_without_counting_it()
    {
        // Launch 1 fails on the service; launches 2-4 go through ACCEPTED/EXECUTING to DONE over several polls.
        await using var plane = await AzureLoadTestingDataPlane.StartAsync((_, launch) => launch switch
        {
            1 => new AltRunScript(["EXECUTING", "FAILED"], Scenario.Base, 10, 10, 900, 1500),
            _ => new AltRunScript(launch == 3 ? ["EXECUTING", "DONE"] : ["ACCEPTED", "EXECUTING", "EXECUTING", "DONE"],
                Scenario.Base.AddMinutes(launch), TotalRequests: 1160 + (5 * launch), Errors: 0, P95: 200 + launch, P99: 400 + launch),
        });
        var logs = new CapturedLogs();
        await using var scenario = await Scenario.StartAsync(azurite, logs: logs,
            settings: new Dictionary<string, string?> { ["LoadTest:AzureLoadTesting:PollIntervalSeconds"] = "1" },
            services: services => UseDataPlane(services, plane));
        await scenario.PutGuardianAsync("checkout", TrainedOnAzureLoadTesting(scenario, AzureLoadTestingDataPlane.Endpoint));

        using var start = await scenario.Api.PostAsync("/api/guardians/checkout/training", Json("""{"runs":3,"timeoutMinutes":5}"""));

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var instanceId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        JsonElement done;
        try
        {
            done = await scenario.WaitForCompletionAsync(instanceId);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(e.Message + "\n" + string.Join("\n", plane.Problems) + "\n" +
                string.Join("\n", logs.Entries.Where(l => l.StartsWith("Warn", StringComparison.Ordinal) || l.StartsWith("Err", StringComparison.Ordinal)).TakeLast(30)), e);
        }

        Assert.Empty(plane.Problems);
        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        var output = done.GetProperty("output");
        Assert.Equal("trained", output.GetProperty("status").GetString());
        Assert.Equal(3, output.GetProperty("runsCounted").GetInt32());
        var runs = output.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["failed", "counted", "counted", "counted"], runs.Select(r => r.GetProperty("result").GetString()));
        Assert.Equal([1, 1, 2, 3], runs.Select(r => r.GetProperty("run").GetInt32()));
        Assert.Contains("ended FAILED", runs[0].GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Every launch created one test run of the guardian's test; each was polled until it ended.
        var testIds = runs.Select(r => r.GetProperty("testId").GetString()!).ToList();
        Assert.Equal(testIds.Select(t => t.ToLowerInvariant()).Order(), plane.Runs.Keys.Order());
        Assert.All(plane.Runs.Values, test => Assert.Equal("checkout-load", test));
        Assert.Equal(2, plane.Polls(testIds[0].ToLowerInvariant()));
        Assert.True(plane.Polls(testIds[1].ToLowerInvariant()) >= 4, "the run went ACCEPTED, EXECUTING, EXECUTING, DONE over four polls");
        Assert.True(plane.Polls(testIds[2].ToLowerInvariant()) >= 2);
        // The failed run's metrics were never read.
        Assert.DoesNotContain(plane.Server.Requests, r => r.Method == "POST" && r.Path.Contains(testIds[0].ToLowerInvariant(), StringComparison.Ordinal));
        Assert.Empty(plane.Elsewhere);
        Assert.All(plane.Credential.Scopes, s => Assert.Equal("https://cnt-prod.loadtesting.azure.com/.default", s));

        // The metrics are the counted runs' signals, recorded as load-test results under run ids lt-{testId}, judged once each.
        var saved = await scenario.GetJsonAsync("/api/guardians/checkout/runs");
        Assert.Equal(3, saved.GetProperty("runs").GetArrayLength());
        var second = await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-" + testIds[1]);
        var signals = second.GetProperty("signals");
        Assert.Equal(1170, signals.GetProperty("traffic.requests").GetDouble(), 6);
        Assert.Equal(202, signals.GetProperty("latency.p95").GetDouble(), 6);
        Assert.Equal(0, signals.GetProperty("errors.rate").GetDouble(), 6);
        // On the timeline, as a result webhook of the tool would be: every signal the metrics gave.
        var recorded = (await scenario.Api.TimelineAsync("checkout")).Where(i => i.Kind == "loadTest").ToList();
        Assert.Equal(3, recorded.Count);
        var result = recorded.Single(i => i.Data.GetProperty("testId").GetString() == testIds[1]).Data;
        Assert.Equal(("azureloadtesting", "training"), (result.GetProperty("tool").GetString(), result.GetProperty("purpose").GetString()));
        Assert.Equal(402, result.GetProperty("signals").GetProperty("latency.p99").GetDouble(), 6);
        Assert.Equal(1170 / 60.0, result.GetProperty("signals").GetProperty("traffic.rps").GetDouble(), 6);
        Assert.Equal(Scenario.Base.AddMinutes(2), result.GetProperty("start").GetDateTimeOffset());
        var traffic = output.GetProperty("objectives").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "traffic");
        Assert.Equal(3, traffic.GetProperty("runsUsed").GetArrayLength());
        Assert.Equal(1175, traffic.GetProperty("median").GetDouble(), 6); // of 1170, 1175 and 1180 requests
    }

    [Theory]
    [InlineData("https://evil.example.org")]
    [InlineData("https://f878fc34.eastasia.cnt-prod.loadtesting.azure.com.evil.example.org")]
    [InlineData("http://f878fc34.eastasia.cnt-prod.loadtesting.azure.com")]
    public async Task A_definition_pointing_the_launcher_anywhere_but_an_Azure_Load_Testing_host_is_refused_at_PUT_naming_loadTest_endpoint(string endpoint)
    {
        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Workflow:Enabled"] = "false" });

        using var put = await scenario.Api.PutAsync("/api/guardians/checkout",
            new StringContent(TrainedOnAzureLoadTesting(scenario, endpoint), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        var problem = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["loadTest.endpoint"], problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()));
    }

    [Fact]
    public async Task An_http_launcher_url_off_the_allow_list_is_refused_at_PUT_and_one_stored_before_the_list_changed_is_refused_at_launch()
    {
        var prefix = AzuriteFixture.UniqueName("ltallow");
        var definition = Scenario.Guardian("checkout", "https://hooks.example.org/notify").Replace(
            "\"metrics\":",
            "\"loadTest\":{\"launcher\":\"http\",\"url\":\"https://ci.example.org/hooks/k6\",\"tool\":\"k6\"},\"training\":{\"minRuns\":3},\"metrics\":",
            StringComparison.Ordinal);
        var settings = new Dictionary<string, string?> { ["Webhooks:k6:Secret"] = Scenario.K6Secret, ["Api:PublicBaseUrl"] = "https://guardian.example.org" };

        // While the operator lists the runner, the definition is stored; another runner is refused naming loadTest.url.
        await using (var before = GuardianServer.Start(azurite.ConnectionString,
            new Dictionary<string, string?>(settings) { ["LoadTest:AllowedUrls"] = "https://ci.example.org/hooks/", ["Workflow:Enabled"] = "false" }, prefix: prefix))
        {
            using var api = before.Management();
            using var stored = await api.PutAsync("/api/guardians/checkout", new StringContent(definition, Encoding.UTF8, "application/json"));
            Assert.True(stored.IsSuccessStatusCode, await stored.Content.ReadAsStringAsync());
            using var elsewhere = await api.PutAsync("/api/guardians/other", new StringContent(
                definition.Replace("\"checkout\"", "\"other\"", StringComparison.Ordinal).Replace("https://ci.example.org/hooks/k6", "https://runner.example.net/k6", StringComparison.Ordinal),
                Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, elsewhere.StatusCode);
            var problem = await elsewhere.Content.ReadFromJsonAsync<JsonElement>();
            var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
            Assert.Equal("loadTest.url", error.GetProperty("path").GetString());
            Assert.Contains("LoadTest:AllowedUrls", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // The operator empties the list: the stored definition's launches are refused, and the training ends failed.
        await using var after = GuardianServer.Start(azurite.ConnectionString, settings, prefix: prefix);
        using var management = after.Management();
        using var start = await management.PostAsync("/api/guardians/checkout/training", Json("""{"runs":1}"""));
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var done = await Scenario.WaitForCompletionAsync(management, (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);

        var output = done.GetProperty("output");
        Assert.Equal("failed", output.GetProperty("status").GetString());
        Assert.All(output.GetProperty("runs").EnumerateArray(), r =>
        {
            Assert.Equal("launch-failed", r.GetProperty("result").GetString());
            Assert.Contains("LoadTest:AllowedUrls is empty", r.GetProperty("detail").GetString(), StringComparison.Ordinal);
        });
    }

    private static void UseDataPlane(IServiceCollection services, AzureLoadTestingDataPlane plane)
    {
        services.AddSingleton(new AzureLoadTestingCredential(plane.Credential));
        services.AddHttpClient<AzureLoadTestingLauncher>().AddHttpMessageHandler(plane.Router);
    }

    // The workshop guardian (adaptive error rate and traffic), trained in 3 runs of an Azure Load Testing test.
    private static string TrainedOnAzureLoadTesting(Scenario scenario, string endpoint) =>
        Scenario.Guardian("checkout", scenario.HookUrl).Replace(
            "\"metrics\":",
            $$"""
            "loadTest":{"launcher":"azureloadtesting","endpoint":"{{endpoint}}","testId":"checkout-load"},"training":{"minRuns":3},"metrics":
            """.Trim(),
            StringComparison.Ordinal);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
