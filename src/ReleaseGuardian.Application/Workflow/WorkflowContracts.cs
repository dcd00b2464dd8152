using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Application.Workflow;

/// <summary>What started an evaluation.</summary>
public static class EvaluationTriggers
{
    /// <summary>A load-test-finished event.</summary>
    public const string LoadTest = "loadtest";

    /// <summary>A chaos-experiment-finished event.</summary>
    public const string Chaos = "chaos";

    /// <summary>A manual <c>POST /api/guardians/{id}/evaluations</c>.</summary>
    public const string Manual = "manual";

    /// <summary>A release plan's window validation (the stage's hold, through the guardian's metrics source).</summary>
    public const string Release = "release";
}

/// <summary>The input of one release workflow instance.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="RunId">The run's id, unique within the guardian (derived from the test id or the request).</param>
/// <param name="Purpose">Training or validation.</param>
/// <param name="Start">Start of the measured window.</param>
/// <param name="End">End of the measured window.</param>
/// <param name="Trigger">loadtest, chaos or manual (<see cref="EvaluationTriggers"/>).</param>
/// <param name="SourceEventId">The de-dup key of the event that started it, for the audit trail.</param>
/// <param name="LoadTestSignals">Signals the load-test result carried (used by the <c>loadtest</c> metrics source).</param>
/// <param name="ReleaseId">
/// Set when a release plan's stage asks for this evaluation: the release restores the flag's pre-release state itself,
/// so the evaluation neither rolls back a change under test nor notifies (the release notifies the stage with this evidence).
/// </param>
public sealed record EvaluationRequest(
    string GuardianId,
    string RunId,
    RunPurpose Purpose,
    DateTimeOffset Start,
    DateTimeOffset End,
    string Trigger,
    string? SourceEventId = null,
    IReadOnlyDictionary<string, double>? LoadTestSignals = null,
    string? ReleaseId = null);

/// <summary>The measured signals of a run's window and why any could not be measured.</summary>
/// <param name="Values">Measured values by signal name.</param>
/// <param name="Failures">Signals that could not be measured, with the reason (timeout, error, no rows).</param>
/// <param name="Queries">The queries that were run, by signal, as evidence.</param>
/// <param name="GuardianMissing">The guardian was deleted before its run was measured: an outcome, not an error to retry.</param>
public sealed record SignalsResult(
    IReadOnlyDictionary<string, double> Values,
    IReadOnlyDictionary<string, string> Failures,
    IReadOnlyDictionary<string, string> Queries,
    bool GuardianMissing = false)
{
    /// <summary>Nothing measured: the guardian is gone.</summary>
    public static SignalsResult GuardianDeleted { get; } = new(
        new Dictionary<string, double>(), new Dictionary<string, string>(), new Dictionary<string, string>(), GuardianMissing: true);
}

/// <summary>The status of a run whose guardian was deleted while it was in flight.</summary>
public static class RunStatuses
{
    /// <summary>Nothing judged, rolled back or sent: the definition is gone.</summary>
    public const string GuardianDeleted = "guardian-deleted";
}

/// <summary>Input of <see cref="WorkflowNames.JudgeRun"/>.</summary>
/// <param name="Request">The evaluation.</param>
/// <param name="Signals">What was measured.</param>
public sealed record JudgeRunInput(EvaluationRequest Request, SignalsResult Signals);

/// <summary>Outcome of <see cref="WorkflowNames.JudgeRun"/>: the verdict in brief and what the policy asks for next.</summary>
/// <param name="RunId">The persisted run.</param>
/// <param name="Status">pass, warning, fail, error or info.</param>
/// <param name="Decision">go, nogo or inconclusive.</param>
/// <param name="Score">The score, when any objective was judged.</param>
/// <param name="Headline">One line that explains the verdict.</param>
/// <param name="Training">True while the baseline is still training ("training 3/5").</param>
/// <param name="ChangeUnderTestId">The de-dup key of the flag change under test, if any.</param>
/// <param name="RollbackRequired">The policy asks for a rollback of that change.</param>
/// <param name="NotifyKind">The notification this verdict needs (nogo, inconclusive) or null when none.</param>
/// <param name="ChangeUnderTest">The flag change under test itself, so the next activities need not read the run again.</param>
/// <param name="VerdictJson">The whole verdict (DESIGN.md §6) as saved with the run, for the notification's evidence.</param>
/// <param name="JudgedAt">When the run was saved (<see cref="Storage.RunRecord.CreatedAt"/>).</param>
public sealed record JudgeRunResult(
    string RunId,
    string Status,
    string Decision,
    double? Score,
    string Headline,
    bool Training,
    string? ChangeUnderTestId,
    bool RollbackRequired,
    string? NotifyKind,
    Core.Flags.FlagChange? ChangeUnderTest = null,
    string? VerdictJson = null,
    DateTimeOffset? JudgedAt = null)
{
    /// <summary>Nothing judged: the guardian was deleted while its run was in flight. No rollback, no notification.</summary>
    public static JudgeRunResult GuardianDeleted(EvaluationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new(request.RunId, RunStatuses.GuardianDeleted, "inconclusive", null,
            $"guardian '{request.GuardianId}' was deleted while run {request.RunId} was in flight; nothing was judged",
            false, null, false, null);
    }
}

/// <summary>Input of <see cref="WorkflowNames.RollbackFlag"/>.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="RunId">The run whose verdict asks for the rollback.</param>
/// <param name="ChangeUnderTestId">The flag change to undo.</param>
/// <param name="Reason">Why, in one line (the verdict's headline).</param>
/// <param name="Change">The change to undo, as judged; null in inputs written before it was carried here (then the run is read).</param>
public sealed record RollbackFlagInput(string GuardianId, string RunId, string ChangeUnderTestId, string Reason, Core.Flags.FlagChange? Change = null);

/// <summary>How a rollback ended.</summary>
public static class RollbackResults
{
    /// <summary>The flag service accepted the rollback.</summary>
    public const string RolledBack = "rolled-back";

    /// <summary>Retries were exhausted; a person must act.</summary>
    public const string Failed = "rollback-failed";

    /// <summary>A later change superseded the change under test; nothing was rolled back.</summary>
    public const string Superseded = "superseded";

    /// <summary>This change was already rolled back (by an earlier delivery or run); nothing was done twice.</summary>
    public const string AlreadyRolledBack = "already-rolled-back";

    /// <summary>The provider has no rollback API.</summary>
    public const string NotSupported = "not-supported";

    /// <summary>The guardian was deleted while its run was in flight; nothing was rolled back.</summary>
    public const string GuardianDeleted = RunStatuses.GuardianDeleted;
}

/// <summary>Outcome of <see cref="WorkflowNames.RollbackFlag"/>.</summary>
/// <param name="Result">One of <see cref="RollbackResults"/>.</param>
/// <param name="Summary">What happened, in plain words.</param>
/// <param name="ManualSteps">What to do by hand when the rollback did not happen; null otherwise.</param>
/// <param name="Attempts">Calls made to the flag service.</param>
public sealed record RollbackFlagResult(string Result, string Summary, string? ManualSteps, int Attempts);

/// <summary>Input of <see cref="WorkflowNames.RecordAndSendNotifications"/>.</summary>
/// <param name="Request">The evaluation.</param>
/// <param name="Judgement">The verdict in brief.</param>
/// <param name="Rollback">The rollback, when one was attempted.</param>
public sealed record NotificationInput(EvaluationRequest Request, JudgeRunResult Judgement, RollbackFlagResult? Rollback);

/// <summary>Outcome of <see cref="WorkflowNames.RecordAndSendNotifications"/>.</summary>
/// <param name="NotificationId">The stored notification.</param>
/// <param name="Kind">nogo, rolled-back, rollback-failed, superseded or inconclusive.</param>
/// <param name="Delivered">Targets that accepted it.</param>
/// <param name="Failed">Targets that did not.</param>
public sealed record NotificationResult(string NotificationId, string Kind, int Delivered, int Failed);

/// <summary>The output of a finished release workflow.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="RunId">The run.</param>
/// <param name="Status">The verdict status.</param>
/// <param name="Decision">The decision.</param>
/// <param name="Score">The score.</param>
/// <param name="Headline">The verdict in one line.</param>
/// <param name="Rollback">What happened to the change under test, if anything.</param>
/// <param name="NotificationId">The notification, when one was recorded.</param>
public sealed record EvaluationOutcome(
    string GuardianId,
    string RunId,
    string Status,
    string Decision,
    double? Score,
    string Headline,
    RollbackFlagResult? Rollback,
    string? NotificationId);
