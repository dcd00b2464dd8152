using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Functions.Tests.Support;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Infrastructure.LoadTesting;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Functions.Tests.Training;

/// <summary>
/// The BaselineTraining orchestrator function on the in-process Durable host, started through the StartTraining
/// function: the guardian's http launcher calls a "CI system" on loopback, which answers 202 (the first launch 503);
/// each result comes back through the LoadTestWebhook function, wakes the waiting instance and is evaluated once as a
/// sub-orchestration.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BaselineTrainingTests(AzuriteFixture azurite)
{
    private const string PublicBaseUrl = "https://guardian.example.org";

    [Fact]
    public async Task Training_launches_each_run_evaluates_each_result_once_and_outputs_the_learned_thresholds()
    {
        var launches = new ConcurrentQueue<RecordedRequest>();
        await using var ci = await LoopbackServer.StartAsync(async (request, context) =>
        {
            launches.Enqueue(request);
            context.Response.StatusCode = launches.Count == 1 ? 503 : 202;
            await context.Response.WriteAsync("");
        });
        var settings = FunctionsStory.Settings(azurite.ConnectionString, new Uri("http://127.0.0.1:9/"));
        settings["Api:PublicBaseUrl"] = PublicBaseUrl;
        // The loopback "CI system" is the one destination the operator allows for launches.
        settings["LoadTest:AllowedUrls"] = ci.BaseAddress + "run";
        await using var host = await FunctionsDurableHost.StartAsync(settings);
        var http = new FunctionsHttp(host);
        var definition = JsonNode.Parse(WorkshopPayloads.Guardian("checkout", "http://127.0.0.1:9/hook"))!.AsObject();
        definition["training"] = new JsonObject { ["minRuns"] = 3 };
        definition["loadTest"] = new JsonObject { ["launcher"] = "http", ["url"] = ci.BaseAddress + "run", ["tool"] = "k6" };
        string[][] key = [["x-functions-key", FunctionsStory.ApiKey], ["Content-Type", "application/json"]];
        var put = await http.SendAsync(HttpMethod.Put, "/api/guardians/checkout", Encoding.UTF8.GetBytes(definition.ToJsonString()), Pairs(key));
        Assert.True(put.Status == 201, put.Text);

        var started = await http.SendAsync(HttpMethod.Post, "/api/guardians/checkout/training", Encoding.UTF8.GetBytes("""{"runs":3}"""), Pairs(key));
        Assert.True(started.Status == 202, started.Text);
        var instanceId = JsonDocument.Parse(started.Body).RootElement.GetProperty("id").GetString()!;

        // The CI system: every accepted launch runs a healthy load test and posts its summary to the result URL.
        var answered = 0;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (answered < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {answered} of 3 results posted; launches: {launches.Count}");
            var accepted = launches.Skip(1).ToList();
            if (accepted.Count > answered)
            {
                using var launch = JsonDocument.Parse(accepted[answered].Body);
                var resultUrl = new Uri(launch.RootElement.GetProperty("resultUrl").GetString()!);
                Assert.Equal(PublicBaseUrl, resultUrl.GetLeftPart(UriPartial.Authority));
                var summary = WorkshopPayloads.K6Summary(WorkshopPayloads.TrainingRequests[answered], 0);
                var posted = await http.SendAsync(HttpMethod.Post, resultUrl.PathAndQuery, summary,
                    Pairs([["X-Guardian-Signature", GuardianSignature.Sign(FunctionsStory.K6Secret, summary)], ["Content-Type", "application/json"]]));
                Assert.True(posted.Status == 202, posted.Text);
                answered++;
            }
            else
            {
                await Task.Delay(50);
            }
        }

        var state = await host.WaitForEndAsync(instanceId);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        using var output = JsonDocument.Parse(state.SerializedOutput!);
        var outcome = output.RootElement;
        Assert.Equal("trained", outcome.GetProperty("status").GetString());
        Assert.Equal(3, outcome.GetProperty("runsCounted").GetInt32());
        var reports = outcome.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("result").GetString()).ToList();
        Assert.Equal(["launch-failed", "counted", "counted", "counted"], reports);
        var traffic = outcome.GetProperty("objectives").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "traffic");
        Assert.True(traffic.GetProperty("trained").GetBoolean());
        Assert.Equal(1171, traffic.GetProperty("median").GetDouble());
        Assert.Equal(3, traffic.GetProperty("runsUsed").GetArrayLength());

        // Four launches (one refused), every one signed with the tool's secret and naming the training purpose.
        Assert.Equal(4, launches.Count);
        Assert.All(launches, l =>
        {
            Assert.Equal(GuardianSignature.Sign(FunctionsStory.K6Secret, l.Body), l.Header("X-Guardian-Signature"));
            Assert.Equal("training", JsonDocument.Parse(l.Body).RootElement.GetProperty("purpose").GetString());
        });

        // Each result was judged exactly once, in a sub-orchestration of its own, and the status read "training k/N".
        var judged = host.Calls.Where(c => c.Name == WorkflowNames.JudgeRun).Select(c => c.InstanceId).ToList();
        Assert.Equal(3, judged.Count);
        Assert.Equal(3, judged.Distinct().Count());
        var launchStatuses = host.Calls.Where(c => c.InstanceId == instanceId && c.Name == WorkflowNames.LaunchLoadTest)
            .Select(c => JsonDocument.Parse(c.CustomStatus!).RootElement.GetProperty("detail").GetString()!).ToList();
        Assert.Equal(4, launchStatuses.Count);
        Assert.StartsWith("training 0/3", launchStatuses[0], StringComparison.Ordinal);
        Assert.StartsWith("training 2/3", launchStatuses[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Training_through_Azure_Load_Testing_polls_each_run_on_durable_timers_and_retries_a_failed_run()
    {
        // Launch 1 ends FAILED; the others go EXECUTING → DONE over several polls (see AzureLoadTestingDataPlane for the samples).
        await using var plane = await AzureLoadTestingDataPlane.StartAsync((_, launch) => new AltRunScript(
            launch == 1 ? ["EXECUTING", "FAILED"] : ["ACCEPTED", "EXECUTING", "DONE"],
            WorkshopPayloads.Base.AddMinutes(launch), TotalRequests: 1160 + (5 * launch), Errors: 0, P95: 210, P99: 420));
        var settings = FunctionsStory.Settings(azurite.ConnectionString, new Uri("http://127.0.0.1:9/"));
        settings["LoadTest:AzureLoadTesting:PollIntervalSeconds"] = "1";
        await using var host = await FunctionsDurableHost.StartAsync(settings, services =>
        {
            services.AddSingleton(new AzureLoadTestingCredential(plane.Credential));
            services.AddHttpClient<AzureLoadTestingLauncher>().AddHttpMessageHandler(plane.Router);
        });
        var http = new FunctionsHttp(host);
        var definition = JsonNode.Parse(WorkshopPayloads.Guardian("checkout", "http://127.0.0.1:9/hook"))!.AsObject();
        definition["training"] = new JsonObject { ["minRuns"] = 3 };
        definition["loadTest"] = new JsonObject { ["launcher"] = "azureloadtesting", ["endpoint"] = AzureLoadTestingDataPlane.Endpoint, ["testId"] = "checkout-load" };
        string[][] key = [["x-functions-key", FunctionsStory.ApiKey], ["Content-Type", "application/json"]];
        var put = await http.SendAsync(HttpMethod.Put, "/api/guardians/checkout", Encoding.UTF8.GetBytes(definition.ToJsonString()), Pairs(key));
        Assert.True(put.Status == 201, put.Text);

        var started = await http.SendAsync(HttpMethod.Post, "/api/guardians/checkout/training", Encoding.UTF8.GetBytes("""{"runs":3,"timeoutMinutes":5}"""), Pairs(key));
        Assert.True(started.Status == 202, started.Text);
        var instanceId = JsonDocument.Parse(started.Body).RootElement.GetProperty("id").GetString()!;
        var state = await host.WaitForEndAsync(instanceId);

        Assert.Empty(plane.Problems);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        using var output = JsonDocument.Parse(state.SerializedOutput!);
        Assert.Equal(3, output.RootElement.GetProperty("runsCounted").GetInt32());
        Assert.Equal(["failed", "counted", "counted", "counted"],
            output.RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("result").GetString()));
        var polls = host.Calls.Where(c => c.InstanceId == instanceId && c.Name == WorkflowNames.PollLoadTest).ToList();
        Assert.True(polls.Count >= 2 + (3 * 3), $"{polls.Count} polls");
        Assert.Equal(3, host.Calls.Count(c => c.InstanceId == instanceId && c.Name == WorkflowNames.RecordPolledLoadTest));
        Assert.Equal(3, host.Calls.Count(c => c.Name == WorkflowNames.JudgeRun));
        Assert.Empty(plane.Elsewhere);
    }

    private static IEnumerable<KeyValuePair<string, string>> Pairs(string[][] headers) => headers.Select(h => KeyValuePair.Create(h[0], h[1]));
}
