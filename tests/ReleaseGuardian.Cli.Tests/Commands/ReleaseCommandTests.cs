using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ReleaseGuardian.Cli.Tests.Support;
using ReleaseGuardian.Server.Tests.Releases;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Cli.Tests.Commands;

/// <summary>
/// <c>guardian release</c> against a real standalone server on loopback with Azurite: a flagd flag file is the provider,
/// each stage's validation load test is launched through the guardian's http launcher (a loopback CI system), and the
/// test posts each result as a runner would (<see cref="ReleaseStory"/>). The CLI's output goes to writers that are no
/// terminal, so the watch prints each new status line once.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class ReleaseCommandTests(AzuriteFixture azurite)
{
    private const string ThreeStages = """{"stages":[{"rollout":10},{"rollout":50},{"rollout":100}],"validate":"loadtest","approval":"auto","requiredPasses":1}""";

    [Fact]
    public async Task Start_watches_the_release_to_completed_printing_each_status_line_once_and_the_stage_lines_and_exits_0()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        var plan = PlanFile(story, ThreeStages);

        using var cli = LiveCli.Start(story, "release", "start", "checkout", "--plan", plan, "--watch", "--timeout", "300");
        var releaseId = await cli.ReleaseIdAsync();
        for (var stage = 1; stage <= 3; stage++)
        {
            var (launch, _) = await story.LaunchAsync(stage);
            // The display showed the stage waiting for its load test before its result arrived.
            await cli.WaitForAsync($"stage {stage}/3: {new[] { 10, 50, 100 }[stage - 1]}%, validating: waiting for {releaseId}-s{stage}v1");
            await story.PostResultAsync(launch, errorRate: 0);
        }

        var result = await cli.EndAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Release {releaseId} of guardian checkout on flagd flag 'new-checkout': completed", result.Out, StringComparison.Ordinal);
        Assert.Matches(StageLine(1, 3, "10% ✓ go", 1, 1, $"lt-{releaseId}-s1v1"), result.Out);
        Assert.Matches(StageLine(2, 3, "50% ✓ go", 1, 1, $"lt-{releaseId}-s2v1"), result.Out);
        Assert.Matches(StageLine(3, 3, "100% ✓ go", 1, 1, $"lt-{releaseId}-s3v1"), result.Out);
        // Not a terminal: no redrawing, and each status line once however often it was polled.
        Assert.DoesNotContain("\u001b[", result.All, StringComparison.Ordinal);
        var lines = result.Out.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Equal(1, lines.Count(l => l == $"stage 2/3: 50%, validating: waiting for {releaseId}-s2v1"));
        Assert.Equal(100, ReleaseStory.RolloutIn(await File.ReadAllTextAsync(story.FlagFile)));

        // Without an id: the newest releases as a table, with the stage cells.
        var listed = Manage(story, "release", "status", "checkout");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Contains("Guardian checkout: 1 release, newest first", listed.Out, StringComparison.Ordinal);
        Assert.Contains(releaseId, listed.Out, StringComparison.Ordinal);
        Assert.Contains("10% ✓ go | 50% ✓ go | 100% ✓ go", listed.Out, StringComparison.Ordinal);

        // --output json is the server's release document.
        var json = Manage(story, "release", "status", "checkout", releaseId, "--output", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var document = JsonDocument.Parse(json.Out);
        Assert.Equal("completed", document.RootElement.GetProperty("state").GetString());
        Assert.Equal(3, document.RootElement.GetProperty("stages").GetArrayLength());
    }

    [Fact]
    public async Task A_No_Go_at_the_first_stage_exits_1_with_the_stage_shown_failed()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        using var cli = LiveCli.Start(story, "release", "start", "checkout", "--plan", PlanFile(story, ThreeStages), "--watch", "--timeout", "300");
        var releaseId = await cli.ReleaseIdAsync();
        var (launch, _) = await story.LaunchAsync(1);
        await story.PostResultAsync(launch, errorRate: 0.2);

        var result = await cli.EndAsync();

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"Release {releaseId} of guardian checkout on flagd flag 'new-checkout': rolled-back", result.Out, StringComparison.Ordinal);
        Assert.Matches(StageLine(1, 3, "10% ✗ nogo", 0, 1, $"lt-{releaseId}-s1v1"), result.Out);
        Assert.Matches(StageLine(2, 3, "50% pending", 0, 1, null), result.Out);
        Assert.Equal(ReleaseStory.FlagFileText, await File.ReadAllTextAsync(story.FlagFile));
    }

    [Fact]
    public async Task A_manual_release_waits_for_approve_exits_2_while_waiting_and_completes_after_the_approval()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        var plan = PlanFile(story, """{"stages":[{"rollout":50},{"rollout":100}],"validate":"loadtest","approval":"manual"}""");
        var started = Manage(story, "release", "start", "checkout", "--plan", plan, "--no-watch");
        Assert.True(started.ExitCode == 0, started.ToString());
        var releaseId = ReleaseIdIn(started.Out);
        await story.PostResultAsync((await story.LaunchAsync(1)).Launch, errorRate: 0);
        await story.WaitForDetailAsync(releaseId, d => d.Contains("waiting for approval", StringComparison.Ordinal), "waiting for approval");

        // Waiting for a person: a watch with a limit ends not finished.
        var waiting = Manage(story, "release", "status", "checkout", releaseId, "--watch", "--timeout", "1");
        Assert.True(waiting.ExitCode == 2, waiting.ToString());
        Assert.Contains("50% … waiting-for-approval", waiting.Out, StringComparison.Ordinal);
        Assert.Contains($"{releaseId} is still waiting-for-approval after 1 s", waiting.Err, StringComparison.Ordinal);

        var approved = Manage(story, "release", "approve", "checkout", releaseId, "--by", "alice", "--reason", "50% looks healthy");
        Assert.True(approved.ExitCode == 0, approved.ToString());
        Assert.Contains($"approve accepted for {releaseId} of guardian checkout by alice", approved.Out, StringComparison.Ordinal);

        // The last stage's Go ends the release: there is no next stage to approve.
        await story.PostResultAsync((await story.LaunchAsync(2)).Launch, errorRate: 0);
        var done = Manage(story, "release", "status", "checkout", releaseId, "--watch", "--timeout", "300");

        Assert.True(done.ExitCode == 0, done.ToString());
        Assert.Matches(StageLine(1, 2, "50% ✓ go", 1, 1, $"lt-{releaseId}-s1v1"), done.Out);
        var recorded = await story.ReleaseAsync(releaseId);
        var control = recorded.GetProperty("controls")[0];
        Assert.Equal(("approve", "alice", "50% looks healthy"),
            (control.GetProperty("action").GetString(), control.GetProperty("by").GetString(), control.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task Abort_restores_the_flag_and_the_watch_exits_4_and_a_control_after_the_end_names_the_release()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        var started = Manage(story, "release", "start", "checkout", "--plan", PlanFile(story, ThreeStages), "--no-watch");
        var releaseId = ReleaseIdIn(started.Out);
        var (launch, _) = await story.LaunchAsync(1);

        var aborted = Manage(story, "release", "abort", "checkout", releaseId, "--by", "bob", "--reason", "wrong build");
        Assert.True(aborted.ExitCode == 0, aborted.ToString());
        // A control that arrives while the stage's load test runs is acted on at the release's next step.
        await story.PostResultAsync(launch, errorRate: 0);
        var watched = Manage(story, "release", "status", "checkout", releaseId, "--watch", "--timeout", "300");

        Assert.True(watched.ExitCode == 4, watched.ToString());
        Assert.Contains($"Release {releaseId} of guardian checkout on flagd flag 'new-checkout': aborted", watched.Out, StringComparison.Ordinal);
        Assert.Equal(ReleaseStory.FlagFileText, await File.ReadAllTextAsync(story.FlagFile));

        // The instance ends just after its record; a control after that is refused naming the release.
        await story.WaitForEndAsync(releaseId);
        var late = Manage(story, "release", "resume", "checkout", releaseId);
        Assert.Equal(3, late.ExitCode);
        Assert.Contains($"409 Conflict: releaseId: release {releaseId} has ended (aborted)", late.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_release_on_the_flag_is_refused_with_the_409_naming_the_first()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);
        var plan = PlanFile(story, ThreeStages);
        var first = ReleaseIdIn(Manage(story, "release", "start", "checkout", "--plan", plan, "--no-watch").Out);

        var second = Manage(story, "release", "start", "checkout", "--stages", "50,100", "--validate", "loadtest", "--no-watch");

        Assert.Equal(3, second.ExitCode);
        Assert.Contains($"error: 409 Conflict: flag: release {first} of guardian 'checkout' is running on flagd flag 'new-checkout'", second.Err, StringComparison.Ordinal);
        Assert.Equal("", second.Out);
        Assert.Equal(0, Manage(story, "release", "abort", "checkout", first).ExitCode);
    }

    [Fact]
    public async Task Plan_errors_are_printed_naming_the_field_and_exit_3_with_nothing_started()
    {
        await using var story = await ReleaseStory.StartAsync(azurite);

        var decreasing = Manage(story, "release", "start", "checkout", "--plan", PlanFile(story, """{"stages":[{"rollout":10},{"rollout":50},{"rollout":20}]}"""));
        var window = Manage(story, "release", "start", "checkout", "--stages", "10,100", "--validate", "window", "--no-watch");
        var misspelt = Manage(story, "release", "start", "checkout", "--plan", PlanFile(story, """{"stages":[{"rollout":100,"hodl":"PT1M"}]}"""));
        var badStages = Manage(story, "release", "start", "checkout", "--stages", "10,half");
        var badOption = Manage(story, "release", "start", "checkout", "--stages", "100", "--approval", "maybe");
        var noPlan = Manage(story, "release", "start", "checkout");
        var unknown = Manage(story, "release", "status", "checkout", "release-20261206T101500-abcd");

        Assert.All(new[] { decreasing, window, misspelt, badStages, badOption, noPlan, unknown }, r => Assert.True(r.ExitCode == 3, r.ToString()));
        Assert.Contains("400 Bad request: stages[2].rollout: must be greater than stages[1].rollout (50)", decreasing.Err, StringComparison.Ordinal);
        Assert.Contains("stages[0].hold: is required with validate window", window.Err, StringComparison.Ordinal);
        Assert.Contains("stages[0].hodl: is not a field of a stage", misspelt.Err, StringComparison.Ordinal);
        Assert.Contains("--stages: 'half' is not a whole percentage", badStages.Err, StringComparison.Ordinal);
        Assert.Contains("maybe", badOption.Err, StringComparison.Ordinal);
        Assert.Contains("--plan: give the plan's file", noPlan.Err, StringComparison.Ordinal);
        Assert.Contains("404 Not found: releaseId: no release 'release-20261206T101500-abcd' of guardian 'checkout'", unknown.Err, StringComparison.Ordinal);
        var releases = await story.Scenario.GetJsonAsync("/api/guardians/checkout/releases");
        Assert.Equal(0, releases.GetProperty("releases").GetArrayLength());
        Assert.Empty(story.Launches);
    }

    private static CliResult Manage(ReleaseStory story, params string[] args) =>
        GuardianCommandLine.Run([.. args, "--server", story.Scenario.Server.CreateClient().BaseAddress!.ToString(), "--api-key", GuardianServer.ApiKey]);

    private static string PlanFile(ReleaseStory story, string plan)
    {
        var path = Path.Combine(Path.GetDirectoryName(story.FlagFile)!, $"plan-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, plan);
        return path;
    }

    private static string ReleaseIdIn(string output) => ReleaseId().Match(output) is { Success: true } match ? match.Value : throw new Xunit.Sdk.XunitException("no release id in: " + output);

    private static Regex StageLine(int stage, int of, string cell, int passes, int required, string? run) =>
        new($@"(?m)^  stage {stage}/{of}  {Regex.Escape(cell)} *  passes {passes}/{required}{(run is null ? "" : "  run " + Regex.Escape(run))}\r?$");

    [GeneratedRegex(@"release-\d{8}T\d{6}-[0-9a-f]{4}")]
    private static partial Regex ReleaseId();

    /// <summary>
    /// The command line running in the background while the test plays the CI system, its output readable as it is written
    /// (writers synchronized on themselves, read under the same lock).
    /// </summary>
    private sealed class LiveCli : IDisposable
    {
        private readonly StringWriter _out = new();
        private readonly StringWriter _err = new();
        private readonly TextWriter _syncOut;
        private readonly TextWriter _syncErr;
        private readonly Task<int> _run;

        private LiveCli(string[] args)
        {
            _syncOut = TextWriter.Synchronized(_out);
            _syncErr = TextWriter.Synchronized(_err);
            _run = Task.Run(() => GuardianCli.Run(args, _syncOut, _syncErr));
        }

        public static LiveCli Start(ReleaseStory story, params string[] args) =>
            new([.. args, "--server", story.Scenario.Server.CreateClient().BaseAddress!.ToString(), "--api-key", GuardianServer.ApiKey]);

        public string Out
        {
            get
            {
                lock (_syncOut)
                {
                    return _out.ToString();
                }
            }
        }

        public async Task<string> ReleaseIdAsync()
        {
            await WaitForAsync("Started release-");
            return ReleaseIdIn(Out);
        }

        /// <summary>Waits until the output contains <paramref name="text"/>; fails if the command ended without it.</summary>
        public async Task WaitForAsync(string text)
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!Out.Contains(text, StringComparison.Ordinal))
            {
                if (_run.IsCompleted)
                {
                    Assert.Fail($"the command ended without printing '{text}': {await EndAsync()}");
                }

                Assert.True(DateTime.UtcNow < deadline, $"never printed '{text}': {Out}");
                await Task.Delay(50);
            }
        }

        public async Task<CliResult> EndAsync()
        {
            var code = await _run;
            lock (_syncErr)
            {
                return new CliResult(code, Out, _err.ToString());
            }
        }

        public void Dispose()
        {
            _syncOut.Dispose();
            _syncErr.Dispose();
        }
    }
}
