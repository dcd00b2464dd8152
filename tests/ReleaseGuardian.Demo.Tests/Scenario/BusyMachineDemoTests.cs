using System.Net.Http.Json;
using System.Text.Json;
using ReleaseGuardian.Cli.Demo;
using ReleaseGuardian.Demo.Scenario;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Demo.Tests.Scenario;

/// <summary>
/// The demo's story on a machine far busier than the one that broke it (issue 14, item 5): every load-test request
/// waits over a second before the client sees its answer, longer than the guardian's 800 ms p95 failure threshold.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BusyMachineDemoTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task When_every_answer_queues_for_a_second_training_still_passes_and_only_the_bad_release_is_rolled_back()
    {
        var work = Directory.CreateTempSubdirectory("rg-busy-demo-");
        var evaluated = new Dictionary<string, JsonElement>();
        var trainingStatus = default(JsonElement);

        var session = await DemoHost.RunAsync(new DemoHostOptions
        {
            StorageConnectionString = azurite.ConnectionString,
            WorkDirectory = work.FullName,
            RequestsPerSecond = 40,
            LoadDuration = TimeSpan.FromSeconds(3),
            WrapLoadHandler = inner => new QueueingHandler(TimeSpan.FromMilliseconds(1100), inner),
            BeforeShutdown = async (demo, ct) =>
            {
                // What the server itself recorded: the training instance, and each run it counted as a stored, judged run.
                using var http = new HttpClient { BaseAddress = demo.ServerAddress };
                http.DefaultRequestHeaders.Add("x-functions-key", demo.ApiKey);
                if (demo.Outcome.Training is { } training)
                {
                    trainingStatus = await http.GetFromJsonAsync<JsonElement>($"runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(training.InstanceId)}", ct);
                    foreach (var runId in CountedRunIds(trainingStatus.GetProperty("output")))
                    {
                        evaluated[runId] = await http.GetFromJsonAsync<JsonElement>($"api/guardians/checkout/runs/{Uri.EscapeDataString(runId)}", ct);
                    }
                }
            },
        }, new SilentDemoProgress(), CancellationToken.None);

        Assert.True(session.Outcome.Succeeded, string.Join("; ", session.Outcome.Problems));
        var runs = session.Outcome.Runs;

        // Training went through the BaselineTraining orchestration: five counted runs, each one evaluated by the server.
        Assert.Equal("BaselineTraining", trainingStatus.GetProperty("name").GetString());
        Assert.Equal("Completed", trainingStatus.GetProperty("runtimeStatus").GetString());
        var output = trainingStatus.GetProperty("output");
        Assert.Equal(("trained", 5), (output.GetProperty("status").GetString(), output.GetProperty("runsCounted").GetInt32()));
        var counted = CountedRunIds(output);
        Assert.Equal(5, counted.Count);
        Assert.All(counted, runId => Assert.Equal("training", evaluated[runId].GetProperty("purpose").GetString()));
        Assert.All(counted, runId => Assert.Equal(JsonValueKind.Object, evaluated[runId].GetProperty("verdict").ValueKind));
        Assert.All(counted, runId => Assert.NotEqual("nogo", evaluated[runId].GetProperty("verdict").GetProperty("decision").GetString()));
        Assert.Equal("training 5/5", session.Outcome.Training!.Progress[^1]);
        Assert.Equal([.. counted.Select(id => id[3..]), "validate-1", "validate-2"], runs.Select(r => r.TestId));
        Assert.All(runs, r => Assert.True(r.ClientP95Ms >= 1000, $"{r.TestId}: the client saw p95 {r.ClientP95Ms} ms, so the queueing was not applied"));
        Assert.All(runs.Where(r => r.Purpose == "training"), r => Assert.NotEqual("nogo", r.Decision));
        var release = runs.Single(r => r.TestId == "validate-1");
        Assert.Equal(("nogo", "rolled-back"), (release.Decision, release.Rollback));
        Assert.Contains("error rate", release.Headline);
        Assert.Equal("go", runs[^1].Decision);
        work.Delete(recursive: true);
    }

    private static List<string> CountedRunIds(JsonElement trainingOutput) =>
        trainingOutput.GetProperty("runs").EnumerateArray()
            .Where(r => r.GetProperty("result").GetString() == "counted")
            .Select(r => r.GetProperty("runId").GetString()!)
            .ToList();

    /// <summary>Holds each request before sending it, as a saturated CPU holds the client's and the service's work.</summary>
    private sealed class QueueingHandler(TimeSpan wait, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(wait, cancellationToken);
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
