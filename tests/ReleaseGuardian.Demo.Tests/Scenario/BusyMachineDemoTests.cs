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

        var session = await DemoHost.RunAsync(new DemoHostOptions
        {
            StorageConnectionString = azurite.ConnectionString,
            WorkDirectory = work.FullName,
            RequestsPerSecond = 40,
            LoadDuration = TimeSpan.FromSeconds(3),
            WrapLoadHandler = inner => new QueueingHandler(TimeSpan.FromMilliseconds(1100), inner),
        }, new SilentDemoProgress(), CancellationToken.None);

        Assert.True(session.Outcome.Succeeded, string.Join("; ", session.Outcome.Problems));
        var runs = session.Outcome.Runs;
        Assert.Equal(["train-1", "train-2", "train-3", "train-4", "train-5", "validate-1", "validate-2"], runs.Select(r => r.TestId));
        Assert.All(runs, r => Assert.True(r.ClientP95Ms >= 1000, $"{r.TestId}: the client saw p95 {r.ClientP95Ms} ms, so the queueing was not applied"));
        Assert.All(runs.Where(r => r.Purpose == "training"), r => Assert.NotEqual("nogo", r.Decision));
        var release = runs.Single(r => r.TestId == "validate-1");
        Assert.Equal(("nogo", "rolled-back"), (release.Decision, release.Rollback));
        Assert.Contains("error rate", release.Headline);
        Assert.Equal("go", runs[^1].Decision);
        work.Delete(recursive: true);
    }

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
