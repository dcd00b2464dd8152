using System.Text.RegularExpressions;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Application.Releases;

/// <summary>The input of one <see cref="WorkflowNames.ReleasePlan"/> instance.</summary>
/// <param name="GuardianId">The guardian whose flag is released.</param>
/// <param name="ReleaseId">The release, <c>release-{yyyyMMddTHHmmss}-{4 hex}</c>; the instance is <c>{guardianId}:{releaseId}</c>.</param>
/// <param name="Flag">The flag as the guardian bound it when the release started (a later edit of the guardian does not retarget it).</param>
/// <param name="Plan">The validated plan.</param>
/// <param name="LoadTestTimeoutMinutes">How long a validation load test's result is awaited after its launch.</param>
/// <param name="StartedBy">Who started it, when the request said.</param>
public sealed record ReleaseRequest(
    string GuardianId,
    string ReleaseId,
    FlagBinding Flag,
    Core.Releases.ReleasePlan Plan,
    int LoadTestTimeoutMinutes = 30,
    string? StartedBy = null);

/// <summary>The controls a person sends to a running release (one durable external event, <see cref="ReleaseNames.ControlEvent"/>).</summary>
public static class ReleaseActions
{
    /// <summary>Advance past a stage that waits for approval (or was paused by the approval timeout).</summary>
    public const string Approve = "approve";

    /// <summary>Pause at the next decision point (a hold wakes at once); the rollout stays as it is.</summary>
    public const string Pause = "pause";

    /// <summary>Leave a pause: the current stage is validated again.</summary>
    public const string Resume = "resume";

    /// <summary>Restore the exact pre-release state and stop (a hold wakes at once).</summary>
    public const string Abort = "abort";

    /// <summary>Every action, in route order.</summary>
    public static IReadOnlyList<string> All { get; } = [Approve, Pause, Resume, Abort];
}

/// <summary>One control as delivered to the instance.</summary>
/// <param name="Action">One of <see cref="ReleaseActions"/>.</param>
/// <param name="By">Who sent it, when the request said.</param>
/// <param name="Reason">Why, when the request said.</param>
/// <param name="At">When the API accepted it.</param>
public sealed record ReleaseControl(string Action, string? By, string? Reason, DateTimeOffset At);

/// <summary>The states of a release (<c>state</c> in its JSON and row).</summary>
public static class ReleaseStates
{
    /// <summary>Accepted; the instance has not recorded anything yet.</summary>
    public const string Starting = "starting";

    /// <summary>Setting a rollout, holding or validating.</summary>
    public const string Running = "running";

    /// <summary>Waits for <c>approve</c> (manual approval).</summary>
    public const string WaitingForApproval = "waiting-for-approval";

    /// <summary>Waits for a person (<c>resume</c> or <c>abort</c>): inconclusive, a flag changed by a person, an approval timeout, a pause.</summary>
    public const string Paused = "paused";

    /// <summary>Every stage passed: the flag serves the last stage's rollout.</summary>
    public const string Completed = "completed";

    /// <summary>A No-Go: the exact pre-release state was restored.</summary>
    public const string RolledBack = "rolled-back";

    /// <summary>Aborted by a person: the exact pre-release state was restored.</summary>
    public const string Aborted = "aborted";

    /// <summary>The plan cannot run on this flag (e.g. several stages on an on/off-only flag); nothing was written.</summary>
    public const string Refused = "refused";

    /// <summary>A write to the flag service (or a restore) failed: a person must look at the flag.</summary>
    public const string Failed = "failed";

    /// <summary>True when <paramref name="state"/> is one a release ends in.</summary>
    public static bool IsFinal(string state) => state is Completed or RolledBack or Aborted or Refused or Failed;
}

/// <summary>One evaluation of one stage.</summary>
/// <param name="Attempt">The validation's number within the stage, from 1.</param>
/// <param name="RunId">The judged run (its evaluation instance is <c>{guardianId}:{runId}</c>); null when nothing was judged.</param>
/// <param name="Decision">go, nogo or inconclusive.</param>
/// <param name="Status">The verdict status (pass, warning, fail, error, info), or what happened to the load test (launch-failed, timed-out).</param>
/// <param name="Headline">The verdict in one line.</param>
/// <param name="Start">Start of the evaluated window (window validation).</param>
/// <param name="End">End of the evaluated window.</param>
public sealed record ReleaseEvaluation(
    int Attempt, string? RunId, string Decision, string Status, string Headline, DateTimeOffset? Start = null, DateTimeOffset? End = null);

/// <summary>One stage of a running or finished release.</summary>
/// <param name="Stage">1-based.</param>
/// <param name="Rollout">The stage's rollout percentage.</param>
/// <param name="State">pending, running, holding, validating, waiting-for-approval, paused, passed, failed, aborted.</param>
/// <param name="Passes">Consecutive Go evaluations so far.</param>
/// <param name="Evaluations">Every evaluation of the stage, in order.</param>
/// <param name="StartedAt">When its rollout was set.</param>
/// <param name="EndedAt">When it passed or ended the release.</param>
/// <param name="Flag">The flag as the stage's write left it, in plain words.</param>
public sealed record ReleaseStageReport(
    int Stage,
    int Rollout,
    string State,
    int Passes,
    IReadOnlyList<ReleaseEvaluation> Evaluations,
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? EndedAt = null,
    string? Flag = null);

/// <summary>A release as recorded (the store's row, GET routes, the timeline) and as the instance's output.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="ReleaseId">The release.</param>
/// <param name="InstanceId">Its orchestration instance.</param>
/// <param name="Flag">The released flag.</param>
/// <param name="Plan">The plan.</param>
/// <param name="State">One of <see cref="ReleaseStates"/>.</param>
/// <param name="CurrentStage">The 1-based stage in progress (or the last one reached).</param>
/// <param name="Detail">The current custom status line, or how it ended.</param>
/// <param name="Stages">Every stage, with its rollout, evaluations and passes.</param>
/// <param name="PreRelease">The flag's exact pre-release state in plain words (what No-Go and abort restore).</param>
/// <param name="StartedAt">When the release started.</param>
/// <param name="UpdatedAt">When it was last recorded.</param>
/// <param name="EndedAt">When it ended.</param>
/// <param name="Controls">Every control it received, in order.</param>
public sealed record ReleaseReport(
    string GuardianId,
    string ReleaseId,
    string InstanceId,
    FlagBinding Flag,
    Core.Releases.ReleasePlan Plan,
    string State,
    int CurrentStage,
    string Detail,
    IReadOnlyList<ReleaseStageReport> Stages,
    string? PreRelease,
    DateTimeOffset StartedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? EndedAt = null,
    IReadOnlyList<ReleaseControl>? Controls = null);

/// <summary>Input of <see cref="WorkflowNames.CaptureFlagState"/>.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="ReleaseId">The release.</param>
/// <param name="Flag">The flag.</param>
public sealed record CaptureFlagInput(string GuardianId, string ReleaseId, FlagBinding Flag);

/// <summary>Output of <see cref="WorkflowNames.CaptureFlagState"/>.</summary>
/// <param name="Succeeded">False when the flag could not be read.</param>
/// <param name="Detail">What happened.</param>
/// <param name="Snapshot">The flag's state.</param>
/// <param name="ClientSupportsPercentages">False when the provider's client only has on/off.</param>
public sealed record CaptureFlagResult(bool Succeeded, string Detail, FlagRolloutSnapshot? Snapshot, bool ClientSupportsPercentages = true);

/// <summary>Input of <see cref="WorkflowNames.SetFlagRollout"/>.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="ReleaseId">The release.</param>
/// <param name="Flag">The flag.</param>
/// <param name="PreRelease">The flag's pre-release state (what the rest of the users keep).</param>
/// <param name="Percent">The stage's rollout.</param>
/// <param name="Variant">The value rolled out (null: on/true).</param>
/// <param name="Reason">Why, for the provider's audit log.</param>
public sealed record SetRolloutInput(string GuardianId, string ReleaseId, FlagBinding Flag, FlagRolloutSnapshot PreRelease, int Percent, string? Variant, string Reason);

/// <summary>Input of <see cref="WorkflowNames.RestoreFlagState"/>.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="ReleaseId">The release.</param>
/// <param name="Flag">The flag.</param>
/// <param name="PreRelease">The exact state to write back.</param>
/// <param name="Reason">Why (No-Go headline, abort).</param>
public sealed record RestoreFlagInput(string GuardianId, string ReleaseId, FlagBinding Flag, FlagRolloutSnapshot PreRelease, string Reason);

/// <summary>A stage event a release notifies with its evidence.</summary>
/// <param name="Key">Unique within the release (the notification id is <c>{instanceId}:{key}</c>, recorded and sent once).</param>
/// <param name="Stage">The 1-based stage.</param>
/// <param name="Summary">What happened, in one line.</param>
/// <param name="RunId">The evaluation the evidence comes from, when there was one.</param>
/// <param name="Decision">go, nogo or inconclusive.</param>
public sealed record ReleaseNotice(string Key, int Stage, string Summary, string? RunId, string Decision);

/// <summary>Input of <see cref="WorkflowNames.RecordRelease"/>.</summary>
/// <param name="Release">The release as it stands.</param>
/// <param name="Notice">The stage event to notify, if any.</param>
public sealed record RecordReleaseInput(ReleaseReport Release, ReleaseNotice? Notice);

/// <summary>Output of <see cref="WorkflowNames.RecordRelease"/>.</summary>
/// <param name="NotificationId">The notification recorded for the notice, if any.</param>
/// <param name="Delivered">Targets that accepted it.</param>
public sealed record RecordReleaseResult(string? NotificationId, int Delivered);

/// <summary>Input of <see cref="WorkflowNames.ReleaseFlagLock"/>.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="ReleaseId">The release that holds the lock.</param>
/// <param name="Flag">The flag.</param>
public sealed record ReleaseLockInput(string GuardianId, string ReleaseId, FlagBinding Flag);

/// <summary>
/// Names shared by the release orchestration, its API and ingestion: release and instance ids, the control event, and
/// the test and run ids of a stage's validations (so ingestion wakes the instance from a test id alone).
/// </summary>
public static partial class ReleaseNames
{
    /// <summary>The one external event every control arrives as (a hold waits for it with the hold as its timeout).</summary>
    public const string ControlEvent = "release-control";

    /// <summary>A new release id, <c>release-{yyyyMMddTHHmmss}-{4 hex}</c>.</summary>
    public static string NewReleaseId(DateTimeOffset now) =>
        $"release-{now.UtcDateTime:yyyyMMdd'T'HHmmss}-{Guid.NewGuid().ToString("N")[..4]}";

    /// <summary>The instance of <paramref name="releaseId"/>.</summary>
    public static string InstanceId(string guardianId, string releaseId) => guardianId + ":" + releaseId;

    /// <summary>True when <paramref name="releaseId"/> has the shape of a release id.</summary>
    public static bool IsReleaseId(string releaseId) => ReleaseIdRegex().IsMatch(releaseId);

    /// <summary>The test id (load test) or run id (window) of validation <paramref name="attempt"/> of stage <paramref name="stage"/>: <c>{releaseId}-s{stage}v{attempt}</c>.</summary>
    public static string ValidationId(string releaseId, int stage, int attempt) => $"{releaseId}-s{stage}v{attempt}";

    [GeneratedRegex(@"^release-[0-9]{8}T[0-9]{6}-[0-9a-f]{4}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ReleaseIdRegex();
}
