using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Releases;

/// <summary>
/// The ReleasePlan orchestration on the standalone engine against Azurite (issue 15): a flagd flag file is the provider,
/// each stage is validated by a load test launched through the guardian's http launcher, and the decisions are read
/// from the flag file, the recorded release and the instance's output.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReleasePlanTests(AzuriteFixture azurite)
{
    private const string ThreeStages = """{"stages":[{"rollout":10},{"rollout":50},{"rollout":100}],"validate":"loadtest","approval":"auto","requiredPasses":1}""";

    [Fact]
    public async Task Go_at_every_stage_rolls_out_10_50_100_validating_each_at_its_share_and_completes()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        var releaseId = await story.StartAsync(ThreeStages);

        for (var stage = 1; stage <= 3; stage++)
        {
            var (launch, _) = await story.LaunchAsync(stage);
            await story.PostResultAsync(launch, errorRate: 0);
        }

        var done = await story.WaitForEndAsync(releaseId);

        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        var output = done.GetProperty("output");
        Assert.Equal("completed", output.GetProperty("state").GetString());
        // Each load test ran while the flag served exactly its stage's share, and carried the validation purpose.
        Assert.Equal([10, 50, 100], story.Launches.Select(l => ReleaseStory.RolloutIn(l.FlagFile)));
        Assert.Equal([$"{releaseId}-s1v1", $"{releaseId}-s2v1", $"{releaseId}-s3v1"], story.Launches.Select(l => l.Launch.GetProperty("testId").GetString()));
        Assert.All(story.Launches, l => Assert.Equal("validation", l.Launch.GetProperty("purpose").GetString()));
        Assert.Equal(100, ReleaseStory.RolloutIn(await File.ReadAllTextAsync(story.FlagFile)));
        var stages = output.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(["passed", "passed", "passed"], stages.Select(s => s.GetProperty("state").GetString()));
        Assert.All(stages, s => Assert.Equal("go", Assert.Single(s.GetProperty("evaluations").EnumerateArray()).GetProperty("decision").GetString()));
        Assert.Equal("completed", done.GetProperty("customStatus").GetProperty("step").GetString());

        // Recorded for the API, the timeline and the dashboard, and every stage notified with its evidence.
        var recorded = await story.ReleaseAsync(releaseId);
        Assert.Equal("completed", recorded.GetProperty("state").GetString());
        var listed = await story.Scenario.GetJsonAsync("/api/guardians/checkout/releases");
        Assert.Equal(releaseId, Assert.Single(listed.GetProperty("releases").EnumerateArray()).GetProperty("releaseId").GetString());
        var notices = (await story.Scenario.NotificationsAsync("checkout")).Where(n => n.GetProperty("kind").GetString() == "release").ToList();
        Assert.Equal(4, notices.Count);

        // The lock was freed at the end: the next release on the flag starts.
        using var next = await story.StartReleaseAsync("""{"stages":[{"rollout":100}]}""");
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
    }
}
