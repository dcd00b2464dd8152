using System.Net.Http.Json;
using System.Text.Json;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Releases;

/// <summary>
/// Issue 15 item 5: a release shows in the guardian's timeline (<c>GET /api/guardians/{id}/timeline</c>) as one
/// <c>release</c> entry at its start, its summary the row of stages and its data the release with every stage.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReleaseTimelineTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_No_Go_release_is_one_timeline_entry_with_its_stages_verdicts_and_percentages()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        var releaseId = await story.StartAsync("""{"stages":[{"rollout":10},{"rollout":50},{"rollout":100}],"validate":"loadtest"}""");
        await story.PostResultAsync((await story.LaunchAsync(1)).Launch, errorRate: 0);
        await story.PostResultAsync((await story.LaunchAsync(2)).Launch, errorRate: 0.2);
        await story.WaitForEndAsync(releaseId);

        var timeline = await story.Scenario.GetJsonAsync("/api/guardians/checkout/timeline");

        var entries = timeline.GetProperty("entries").EnumerateArray().ToList();
        var release = Assert.Single(entries, e => e.GetProperty("kind").GetString() == "release");
        Assert.Equal(releaseId, release.GetProperty("id").GetString());
        Assert.Equal($"release {releaseId} of flagd flag 'new-checkout': rolled-back; 10% ✓ go, 50% ✗ nogo, 100% pending",
            release.GetProperty("summary").GetString());
        var data = release.GetProperty("data");
        Assert.Equal("rolled-back", data.GetProperty("state").GetString());
        var stages = data.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal([10, 50, 100], stages.Select(s => s.GetProperty("rollout").GetInt32()));
        Assert.Equal(["passed", "failed", "pending"], stages.Select(s => s.GetProperty("state").GetString()));
        Assert.Equal($"lt-{releaseId}-s2v1", stages[1].GetProperty("evaluations")[0].GetProperty("runId").GetString());
        // At its start: before the verdicts of its own stages, which come after it (newest first).
        var startedAt = data.GetProperty("startedAt").GetDateTimeOffset();
        Assert.Equal(startedAt, release.GetProperty("time").GetDateTimeOffset());
        var stageVerdict = entries.FindIndex(e => e.GetProperty("kind").GetString() == "verdict" && e.GetProperty("id").GetString() == $"lt-{releaseId}-s1v1");
        Assert.True(stageVerdict >= 0 && stageVerdict < entries.IndexOf(release), string.Join("\n", entries.Select(e => e.GetProperty("summary").GetString())));
    }

    [Fact]
    public async Task The_timeline_pages_over_releases_and_the_other_streams_serving_each_entry_once()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        var first = await story.StartAsync("""{"stages":[{"rollout":100}],"validate":"loadtest"}""");
        await story.PostResultAsync((await story.LaunchAsync(1)).Launch, errorRate: 0);
        await story.WaitForEndAsync(first);
        var second = await story.StartAsync("""{"stages":[{"rollout":100}],"validate":"loadtest"}""");
        await story.PostResultAsync((await story.LaunchAsync(2)).Launch, errorRate: 0);
        await story.WaitForEndAsync(second);
        var all = (await story.Scenario.GetJsonAsync("/api/guardians/checkout/timeline?pageSize=200")).GetProperty("entries").EnumerateArray()
            .Select(e => (e.GetProperty("kind").GetString(), e.GetProperty("id").GetString())).ToList();

        var paged = new List<(string?, string?)>();
        string? continuation = null;
        do
        {
            var page = await story.Scenario.GetJsonAsync("/api/guardians/checkout/timeline?pageSize=1" + (continuation is null ? "" : "&continuation=" + Uri.EscapeDataString(continuation)));
            paged.AddRange(page.GetProperty("entries").EnumerateArray().Select(e => (e.GetProperty("kind").GetString(), e.GetProperty("id").GetString())));
            continuation = page.TryGetProperty("continuation", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (continuation is not null);

        Assert.Equal(all, paged);
        Assert.Equal([("release", second), ("release", first)], all.Where(e => e.Item1 == "release").ToList());
    }
}
