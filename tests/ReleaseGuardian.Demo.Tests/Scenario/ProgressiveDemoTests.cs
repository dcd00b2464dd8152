using System.Net.Http.Json;
using System.Text.Json;
using ReleaseGuardian.Cli.Demo;
using ReleaseGuardian.Demo.Checkout;
using ReleaseGuardian.Demo.LoadGeneration;
using ReleaseGuardian.Demo.Scenario;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Demo.Tests.Scenario;

/// <summary>
/// <c>guardian demo --progressive</c> end to end (issue 15, item 6): real server on Azurite, the checkout service
/// evaluating the flagd file per user, validation load tests through the built-in launcher. Decisions only.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ProgressiveDemoTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_buggy_build_is_caught_at_10_percent_and_restored_byte_for_byte_and_the_fixed_build_completes()
    {
        var work = Directory.CreateTempSubdirectory("rg-progressive-demo-");
        var recorded = new List<JsonElement>();

        var session = await DemoHost.RunAsync(new DemoHostOptions
        {
            StorageConnectionString = azurite.ConnectionString,
            WorkDirectory = work.FullName,
            RequestsPerSecond = 40,
            LoadDuration = TimeSpan.FromSeconds(3),
            Progressive = true,
            BeforeShutdown = async (demo, ct) =>
            {
                // What the server recorded for each release (GET /api/guardians/{id}/releases/{releaseId}).
                using var http = new HttpClient { BaseAddress = demo.ServerAddress };
                http.DefaultRequestHeaders.Add("x-functions-key", demo.ApiKey);
                foreach (var release in demo.Outcome.Releases ?? [])
                {
                    recorded.Add(await http.GetFromJsonAsync<JsonElement>($"api/guardians/checkout/releases/{release.ReleaseId}", ct));
                }
            },
        }, new SilentDemoProgress(), CancellationToken.None);

        Assert.True(session.Outcome.Succeeded, string.Join("; ", session.Outcome.Problems));
        Assert.Equal(2, session.Outcome.Releases!.Count);
        var (buggy, fixedBuild) = (session.Outcome.Releases[0], session.Outcome.Releases[1]);

        // Build 2: No-Go at stage 1 (10%) on the error rate; rolled back; stages 2 and 3 never set.
        Assert.Equal("rolled-back", buggy.State);
        Assert.Equal("rolled-back", recorded[0].GetProperty("state").GetString());
        var stages = recorded[0].GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(["failed", "pending", "pending"], stages.Select(s => s.GetProperty("state").GetString()));
        var verdict = Assert.Single(stages[0].GetProperty("evaluations").EnumerateArray());
        Assert.Equal("nogo", verdict.GetProperty("decision").GetString());
        Assert.Contains("error rate", verdict.GetProperty("headline").GetString(), StringComparison.Ordinal);
        Assert.All(stages.Skip(1), s => Assert.Empty(s.GetProperty("evaluations").EnumerateArray()));
        Assert.All(stages.Skip(1), s => Assert.True(!s.TryGetProperty("startedAt", out var at) || at.ValueKind == JsonValueKind.Null));
        // The flag file is back byte for byte, and the service never served the flag beyond 10%.
        Assert.Equal(buggy.Before.Content, buggy.After.Content);
        Assert.Equal(["'off'", "fractional 10% 'on' / 90% 'off'", "'off'"], buggy.FlagVersions);
        // Only the users in the 10% stage's bucket ever got the buggy checkout: each of the test's 120 users checked out
        // once (40/s for 3 s), and exactly those the flag's bucketing puts in the 10% got the new code.
        FractionalBucket[] stageOne = [new("on", 10), new("off", 90)];
        var inBucket = Enumerable.Range(1, 120).Count(u => FlagdFractional.Variant(FlagdFractional.BucketingValue("new-checkout", LoadProfile.UserName(u)), stageOne) == "on");
        Assert.Equal((120, inBucket), (buggy.UsersServed, buggy.UsersOnNewCode));
        Assert.InRange(inBucket, 1, 120 / 4);

        // Build 3: Go at 10, 50 and 100; completed; every user now gets the new checkout.
        Assert.Equal("completed", recorded[1].GetProperty("state").GetString());
        Assert.Equal(["passed", "passed", "passed"], recorded[1].GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("state").GetString()));
        Assert.Equal("fractional 100% 'on' / 0% 'off'", fixedBuild.FlagVersions[^1]);

        // Each release stage was validated through the built-in launcher: its runs carry the release's test ids.
        Assert.Equal(
            [$"{buggy.ReleaseId}-s1v1", $"{fixedBuild.ReleaseId}-s1v1", $"{fixedBuild.ReleaseId}-s2v1", $"{fixedBuild.ReleaseId}-s3v1"],
            session.Outcome.Runs.Where(r => r.Label.StartsWith("stage ", StringComparison.Ordinal)).Select(r => r.TestId));
        work.Delete(recursive: true);
    }
}
