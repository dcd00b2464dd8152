namespace ReleaseGuardian.Application.Releases;

/// <summary>
/// A release's stages in a few words each (<c>10% ✓ go</c>, <c>50% … validating</c>, <c>100% pending</c>), the same
/// in the timeline's summary and the CLI's progress display; the dashboard's cells (wwwroot/dashboard.js) follow it.
/// </summary>
public static class ReleaseStageText
{
    /// <summary>One stage: its rollout, a mark and its verdict or state.</summary>
    /// <param name="rollout">The stage's rollout percentage.</param>
    /// <param name="state">The stage's state (pending, running, holding, validating, waiting-for-approval, paused, passed, failed, aborted).</param>
    /// <param name="lastDecision">The decision of the stage's latest evaluation, if any.</param>
    public static string Cell(int rollout, string? state, string? lastDecision) => state switch
    {
        "passed" => $"{rollout}% ✓ {lastDecision ?? "go"}",
        "failed" => $"{rollout}% ✗ {lastDecision ?? "nogo"}",
        "pending" or null or "" => $"{rollout}% pending",
        "aborted" => $"{rollout}% aborted",
        "paused" => $"{rollout}% ‖ paused" + (lastDecision is null ? "" : $" ({lastDecision})"),
        _ => $"{rollout}% … {state}",
    };

    /// <summary>The timeline's line for a release: <c>release {id} (flag): {state}; 10% ✓ go, 50% … validating, 100% pending</c>.</summary>
    public static string Summary(ReleaseReport release)
    {
        ArgumentNullException.ThrowIfNull(release);
        var cells = release.Stages.Select(s => Cell(s.Rollout, s.State, s.Evaluations.Count == 0 ? null : s.Evaluations[^1].Decision));
        return $"release {release.ReleaseId} of {release.Flag.Provider} flag '{release.Flag.Key}': {release.State}; {string.Join(", ", cells)}";
    }
}
