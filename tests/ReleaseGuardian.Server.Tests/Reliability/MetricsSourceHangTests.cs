using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Reliability;

/// <summary>
/// A metrics source that accepts the query and never answers at all (not merely late: the hang in
/// <see cref="Workflow.MetricsSourceWorkflowTests"/> ends after 20 s). The verdict can only come from the guardian
/// giving up at its configured timeout, so it proves the timeout without measuring time.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class MetricsSourceHangTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_metrics_source_that_never_answers_gives_an_Inconclusive_verdict_never_Go_and_the_guardian_abandons_every_query()
    {
        var abandoned = 0;
        await using var prometheus = await LoopbackServer.StartAsync(async (_, context) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref abandoned);
            }
        });
        await using var scenario = await Scenario.StartAsync(azurite);
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, Scenario.StaticObjectives,
            metrics: $$"""{"source":"prometheus","url":"{{prometheus.BaseAddress}}","timeoutSeconds":1}"""));

        // A healthy k6 summary: were the unmeasured objectives skipped, this would be a Go.
        var status = await scenario.PostK6AndWaitAsync("checkout", "hang-1", "validation", Scenario.Base.AddMinutes(1), 1150, errorRate: 0);

        Assert.Equal("Completed", status.GetProperty("runtimeStatus").GetString());
        Assert.Equal("inconclusive", status.GetProperty("output").GetProperty("decision").GetString());
        var run = await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-hang-1");
        Assert.All(run.GetProperty("verdict").GetProperty("objectives").EnumerateArray(), o =>
        {
            Assert.Equal("error", o.GetProperty("status").GetString());
            Assert.Contains("timed out after 1s", o.GetProperty("explanation").GetString());
        });
        // Every query the guardian sent, it cancelled itself: the source never answered one.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref abandoned) < prometheus.Requests.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.NotEmpty(prometheus.Requests);
        Assert.Equal(prometheus.Requests.Count, Volatile.Read(ref abandoned));
        Assert.Empty(scenario.Rollbacks);
    }
}
