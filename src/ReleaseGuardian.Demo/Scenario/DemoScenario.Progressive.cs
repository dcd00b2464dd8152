using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Demo.Checkout;
using ReleaseGuardian.Demo.LoadGeneration;

namespace ReleaseGuardian.Demo.Scenario;

/// <summary>The flag file at one moment: its bytes and their SHA-256.</summary>
/// <param name="Content">The file's bytes.</param>
public sealed record DemoFlagFile(byte[] Content)
{
    /// <summary>SHA-256 of <see cref="Content"/>, lowercase hex.</summary>
    public string Sha256 { get; } = Convert.ToHexStringLower(SHA256.HashData(Content));

    /// <summary>True when both hold exactly the same bytes.</summary>
    public bool SameBytesAs(DemoFlagFile other) => other is not null && Content.AsSpan().SequenceEqual(other.Content);
}

/// <summary>One release of the progressive demo, as the ReleasePlan orchestration ran it and the checkout service saw it.</summary>
/// <param name="Label">What was released, e.g. "build 2, with the bug".</param>
/// <param name="InstanceId">The release instance (<c>{guardian}:release-...</c>).</param>
/// <param name="RuntimeStatus">How the instance ended (Completed when it ran to its end).</param>
/// <param name="Progress">Each custom status detail the status route showed, in order (<c>stage k/N: p%, ...</c>).</param>
/// <param name="Output">The instance's output: the release (state, stages with their evaluations).</param>
/// <param name="Before">The flag file just before the release started.</param>
/// <param name="After">The flag file once the release had ended.</param>
/// <param name="UsersServed">Users who checked out while the release ran.</param>
/// <param name="UsersOnNewCode">Of them, users the flag gave the new checkout at least once.</param>
/// <param name="FlagVersions">Each different form of the flag the checkout service served while the release ran.</param>
public sealed record DemoRelease(
    string Label, string InstanceId, string RuntimeStatus, IReadOnlyList<string> Progress, JsonElement? Output,
    DemoFlagFile Before, DemoFlagFile After, int UsersServed, int UsersOnNewCode, IReadOnlyList<string> FlagVersions)
{
    /// <summary>The release id (the instance id after the guardian).</summary>
    public string ReleaseId => InstanceId[(InstanceId.IndexOf(':', StringComparison.Ordinal) + 1)..];

    /// <summary>The release's final state (<c>completed</c>, <c>rolled-back</c>, ...); null when it has no output.</summary>
    public string? State => Output is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("state", out var s) ? s.GetString() : null;

    /// <summary>The release's stages as its output lists them.</summary>
    public IReadOnlyList<JsonElement> Stages =>
        Output is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("stages", out var s) && s.ValueKind == JsonValueKind.Array
            ? [.. s.EnumerateArray()]
            : [];
}

public sealed partial class DemoScenario
{
    /// <summary>The plan both progressive releases run: 10% → 50% → 100%, each stage validated by a load test.</summary>
    public const string ProgressivePlan = """{"stages":[{"rollout":10},{"rollout":50},{"rollout":100}],"validate":"loadtest","approval":"auto"}""";

    /// <summary>
    /// Share of checkouts that fail for a user on the new checkout of build 2. With 10% of users on it, about 9% of all
    /// checkouts fail: six times the 1.5% the guardian learns as its error-rate failure line from healthy runs, whatever
    /// the machine's load (failures are not a matter of time).
    /// </summary>
    public const double BuggyBuildFailureShare = 0.9;

    /// <summary>
    /// <c>guardian demo --progressive</c>: register and train as the quick start does; deploy build 2, whose new checkout
    /// fails most checkouts, and release its flag 10% → 50% → 100% through <c>POST /api/guardians/{id}/releases</c>. The
    /// guardian says No-Go at 10% on the error rate, the release restores the exact pre-release flag file and ends
    /// rolled-back, and only the ~10% of users in the first stage ever saw the bug. Then the fixed build 3 goes
    /// 10 → 50 → 100 and completes.
    /// </summary>
    public async Task<DemoOutcome> RunProgressiveAsync(CancellationToken cancellationToken)
    {
        await RegisterAsync(cancellationToken);

        progress.Stage($"Train the baseline: {settings.TrainingRuns} load tests with {settings.FlagKey} off, through the BaselineTraining orchestration");
        var training = await TrainAsync(cancellationToken);
        var releases = new List<DemoRelease>();

        progress.Stage($"Deploy checkout build 2 and release {settings.FlagKey} 10% → 50% → 100%");
        checkout.Options.FailureShareWhenOn = BuggyBuildFailureShare;
        progress.Note(string.Create(CultureInfo.InvariantCulture,
            $"build 2's new checkout has a bug: {BuggyBuildFailureShare * 100:0}% of its checkouts fail. The flag decides per user " +
            $"(flagd fractional targeting on the {CheckoutService.UserHeader} header), so only users in the rollout get it"));
        var buggy = await ReleaseAsync("build 2, with the bug", cancellationToken);
        releases.Add(buggy);
        ExpectCaughtAtFirstStage(buggy);

        progress.Stage("Deploy the fix (build 3) and release again 10% → 50% → 100%");
        checkout.Options.FailureShareWhenOn = 0;
        progress.Note("build 3 fixes the new checkout: none of its checkouts fail");
        var fixedBuild = await ReleaseAsync("build 3, fixed", cancellationToken);
        releases.Add(fixedBuild);
        Expect(fixedBuild.State == "completed", $"{fixedBuild.ReleaseId}: expected the fixed build's release to complete, it ended {fixedBuild.State ?? fixedBuild.RuntimeStatus}");
        Expect(fixedBuild.Stages.Select(s => Text(s, "state")).SequenceEqual(["passed", "passed", "passed"]),
            $"{fixedBuild.ReleaseId}: expected every stage passed, they were {string.Join(", ", fixedBuild.Stages.Select(s => Text(s, "state")))}");
        var all = checkout.FlagDefinition.PercentServing("on");
        Expect(all == 100, $"{fixedBuild.ReleaseId}: after the release the flag serves 'on' to {all}% of users, not 100%");
        progress.Note(string.Create(CultureInfo.InvariantCulture,
            $"{fixedBuild.ReleaseId} completed: {settings.FlagKey} serves 'on' to {all:0}% of users ({checkout.FlagDefinition.Summary}); " +
            $"{fixedBuild.UsersOnNewCode} of the {fixedBuild.UsersServed} users who checked out during the release got the new checkout"));

        return new DemoOutcome(_runs, null, _problems, training, releases);
    }

    private void ExpectCaughtAtFirstStage(DemoRelease release)
    {
        var id = release.ReleaseId;
        var stages = release.Stages;
        Expect(release.State == "rolled-back", $"{id}: expected the release to end rolled-back, it ended {release.State ?? release.RuntimeStatus}");
        if (stages.Count != 3)
        {
            _problems.Add($"{id}: expected 3 stages in the release, found {stages.Count}");
            return;
        }

        var first = stages[0];
        var evaluations = first.TryGetProperty("evaluations", out var e) ? e.EnumerateArray().ToList() : [];
        Expect(Text(first, "state") == "failed", $"{id}: expected stage 1 (10%) to fail, it is {Text(first, "state")}");
        Expect(evaluations.Count == 1 && Text(evaluations[0], "decision") == "nogo",
            $"{id}: expected one No-Go at stage 1, the evaluations were {string.Join(", ", evaluations.Select(v => Text(v, "decision")))}");
        Expect(evaluations.Count == 1 && (Text(evaluations[0], "headline") ?? "").Contains("error rate", StringComparison.Ordinal),
            $"{id}: expected the error rate to drive stage 1's No-Go: {(evaluations.Count > 0 ? Text(evaluations[0], "headline") : "no evaluation")}");
        Expect(stages.Skip(1).All(s => Text(s, "state") == "pending" && (!s.TryGetProperty("startedAt", out var at) || at.ValueKind == JsonValueKind.Null)),
            $"{id}: expected stages 2 and 3 never to start, they are {string.Join(", ", stages.Skip(1).Select(s => Text(s, "state")))}");
        Expect(release.After.SameBytesAs(release.Before),
            $"{id}: the flag file was not restored byte for byte (before {release.Before.Content.Length} bytes sha256 {release.Before.Sha256}, after {release.After.Content.Length} bytes sha256 {release.After.Sha256})");
        Expect(release.FlagVersions.All(v => !v.Contains("50% 'on'", StringComparison.Ordinal) && !v.Contains("100% 'on'", StringComparison.Ordinal)),
            $"{id}: the checkout service served the flag as {string.Join(" → ", release.FlagVersions)}");
        Expect(release.UsersOnNewCode * 4 < release.UsersServed,
            $"{id}: {release.UsersOnNewCode} of {release.UsersServed} users got the new checkout, more than a 10% stage would give");
    }

    /// <summary>
    /// Starts one release with <see cref="ProgressivePlan"/>, prints its custom status as it moves, then each stage with
    /// its validation run and verdict, and what the flag file and the users saw.
    /// </summary>
    private async Task<DemoRelease> ReleaseAsync(string label, CancellationToken cancellationToken)
    {
        var before = new DemoFlagFile(await File.ReadAllBytesAsync(settings.FlagFile, cancellationToken));
        _ = checkout.FlagVersions;
        var versionsBefore = checkout.FlagVersions.Count;
        checkout.Users.Forget();
        var (instanceId, statusUri) = await guardian.StartReleaseAsync(settings.GuardianId, ProgressivePlan, cancellationToken);
        progress.Note($"POST /api/guardians/{settings.GuardianId}/releases {ProgressivePlan} started {instanceId} (release of {label})");
        var lines = new List<string>();
        var state = await guardian.WaitForStatusAsync(statusUri, s =>
        {
            if (s.Detail is { } detail && (lines.Count == 0 || lines[^1] != detail))
            {
                lines.Add(detail);
            }

            progress.Release(s);
        }, (settings.Load.Duration + WorkflowTimeout) * 3, cancellationToken);
        var after = new DemoFlagFile(await File.ReadAllBytesAsync(settings.FlagFile, cancellationToken));
        var versions = checkout.FlagVersions;
        var release = new DemoRelease(label, instanceId, state.RuntimeStatus, lines, state.Output, before, after,
            checkout.Users.Served, checkout.Users.OnNewCode, [.. versions.Skip(Math.Max(0, versionsBefore - 1))]);
        if (state.RuntimeStatus != "Completed" || release.State is null)
        {
            _problems.Add($"{instanceId}: the release ended {state.RuntimeStatus}: {state.Output?.ToString()}");
            return release;
        }

        await ShowStagesAsync(release, cancellationToken);
        progress.Note($"{release.ReleaseId} ended {release.State}: {Text(release.Output!.Value, "detail")}");
        progress.Note(string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(settings.FlagFile)} {(after.SameBytesAs(before) ? "is back byte for byte" : "changed")}: " +
            $"before {before.Content.Length} bytes sha256 {before.Sha256[..16]}…, after {after.Content.Length} bytes sha256 {after.Sha256[..16]}…; " +
            $"the service now serves 'on' to {checkout.FlagDefinition.PercentServing("on") ?? 0:0.#}% of users ({checkout.FlagDefinition.Summary})"));
        progress.Note($"the checkout service served {settings.FlagKey} as {string.Join(" → ", release.FlagVersions)}");
        var share = release.UsersServed == 0 ? 0 : 100.0 * release.UsersOnNewCode / release.UsersServed;
        var caught = release.State == "rolled-back"
            ? $"; {InFirstStage()} of the shop's {settings.Load.Population} users are in the 10% bucket; nobody was ever served 50% or 100%"
            : "";
        progress.Note(string.Create(CultureInfo.InvariantCulture,
            $"users who saw the new checkout: {release.UsersOnNewCode} of the {release.UsersServed} who checked out during the release ({share:0.#}%){caught}"));
        return release;
    }

    /// <summary>Shows each stage that ran: its validation load test (what the built-in launcher measured) and the verdict.</summary>
    private async Task ShowStagesAsync(DemoRelease release, CancellationToken cancellationToken)
    {
        foreach (var stage in release.Stages)
        {
            var number = stage.GetProperty("stage").GetInt32();
            var rollout = stage.GetProperty("rollout").GetInt32();
            var evaluations = stage.TryGetProperty("evaluations", out var e) && e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().ToList() : [];
            if (evaluations.Count == 0)
            {
                progress.Note($"stage {number}/3 ({rollout}%): {Text(stage, "state")}, never set");
                continue;
            }

            foreach (var evaluation in evaluations)
            {
                var runId = Text(evaluation, "runId");
                var testId = ReleaseNames.ValidationId(release.ReleaseId, number, evaluation.GetProperty("attempt").GetInt32());
                if (runId is null || builtIn.Find(testId) is not { } launched)
                {
                    progress.Note($"stage {number}/3 ({rollout}%): {Text(evaluation, "decision")}: {Text(evaluation, "headline")}");
                    continue;
                }

                var test = await launched;
                var judged = await guardian.WaitForWorkflowAsync(WorkflowNames.InstanceId(settings.GuardianId, runId), onChange: null, WorkflowTimeout, cancellationToken);
                Judged(testId, $"stage {number}/3", "validation", $"{rollout}%", test.Load, judged);
            }
        }
    }

    private int InFirstStage()
    {
        var buckets = new[] { new FractionalBucket("on", 10), new FractionalBucket("off", 90) };
        return Enumerable.Range(1, settings.Load.Population)
            .Count(u => FlagdFractional.Variant(FlagdFractional.BucketingValue(settings.FlagKey, LoadProfile.UserName(u)), buckets) == "on");
    }
}
