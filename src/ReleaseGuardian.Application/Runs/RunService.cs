using ReleaseGuardian.Application.Guardians;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Application.Runs;

/// <summary>A request to evaluate a window now (<c>POST /api/guardians/{id}/evaluations</c>).</summary>
/// <param name="Start">Start of the window.</param>
/// <param name="End">End of the window.</param>
/// <param name="Purpose">Training or validation (default validation).</param>
/// <param name="RunId">The run's id; derived from the window when omitted.</param>
/// <param name="Signals">Signals to judge, for guardians whose metrics source is <c>loadtest</c>.</param>
public sealed record EvaluationOrder(
    DateTimeOffset Start,
    DateTimeOffset End,
    RunPurpose Purpose = RunPurpose.Validation,
    string? RunId = null,
    IReadOnlyDictionary<string, double>? Signals = null);

/// <summary>What became of the rollback of a run's change under test, as the rollback ledger recorded it.</summary>
/// <param name="Result">succeeded, failed, not-supported, ...; null while the rollback is still in progress.</param>
/// <param name="Summary">What happened.</param>
/// <param name="ManualSteps">What to do by hand, when the rollback did not happen by itself.</param>
/// <param name="Attempts">Calls made to the flag service.</param>
/// <param name="ByRunId">The run that rolled the change back (or tried to).</param>
/// <param name="ByThisRun">True when that run is the one asked about; false when another guardian's run did it.</param>
public sealed record RunRollback(string? Result, string? Summary, string? ManualSteps, int Attempts, string ByRunId, bool ByThisRun);

/// <summary>Runs of a guardian: listing, evidence, invalidation, baseline reset, and manual evaluations.</summary>
public sealed class RunService(GuardianService guardians, IRunStore runs, ITimelineStore timeline, IWorkflowScheduler workflows, IRollbackLedger rollbacks, TimeProvider clock)
{
    /// <summary>Runs newest first, or null when the guardian does not exist.</summary>
    public async Task<ResultPage<RunRecord>?> ListAsync(string guardianId, int pageSize, string? continuation, CancellationToken cancellationToken) =>
        await guardians.GetAsync(guardianId, cancellationToken) is null ? null : await runs.ListAsync(guardianId, pageSize, continuation, cancellationToken);

    /// <summary>One run with its evidence, or null.</summary>
    public async Task<RunRecord?> GetAsync(string guardianId, string runId, CancellationToken cancellationToken) =>
        (await runs.GetAsync(guardianId, runId, cancellationToken))?.Run;

    /// <summary>
    /// The rollback of the run's change under test, from the rollback ledger (the one record every rollback writes,
    /// whichever host ran it); null when the run has no change under test or nobody tried to roll it back.
    /// </summary>
    public async Task<RunRollback?> GetRollbackAsync(RunRecord run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.ChangeUnderTestJson is null)
        {
            return null;
        }

        var change = System.Text.Json.JsonSerializer.Deserialize(run.ChangeUnderTestJson, WorkflowJsonContext.Default.FlagChange);
        if (change is null || await rollbacks.FindAsync(ChangeKeys.Of(change), cancellationToken) is not { } entry)
        {
            return null;
        }

        return new RunRollback(entry.Result, entry.Summary, entry.ManualSteps, entry.Attempts, entry.ClaimedByRunId,
            string.Equals(entry.ClaimedByRunId, run.RunId, StringComparison.Ordinal));
    }

    /// <summary>Takes a run out of the baseline, with the reason; false when there is no such run.</summary>
    public async Task<bool> InvalidateAsync(string guardianId, string runId, string reason, CancellationToken cancellationToken)
    {
        var result = await runs.InvalidateAsync(guardianId, runId, reason, cancellationToken);
        if (result.Outcome == WriteOutcome.NotFound)
        {
            return false;
        }

        await timeline.AppendTimelineAsync(guardianId, TimelineKinds.Verdict, clock.GetUtcNow(), runId + ":invalidated",
            $"run {runId} invalidated: {reason}", $$"""{"runId":"{{runId}}","invalidated":true}""", cancellationToken);
        return true;
    }

    /// <summary>Starts training again: runs before now no longer count. Null when the guardian does not exist.</summary>
    public async Task<DateTimeOffset?> ResetBaselineAsync(string guardianId, CancellationToken cancellationToken)
    {
        if (await guardians.GetAsync(guardianId, cancellationToken) is null)
        {
            return null;
        }

        var at = clock.GetUtcNow();
        await runs.ResetBaselineAsync(guardianId, at, cancellationToken);
        await timeline.AppendTimelineAsync(guardianId, TimelineKinds.Verdict, at, "baseline-reset",
            "baseline reset: training starts again", $$"""{"baselineResetAt":"{{at:O}}"}""", cancellationToken);
        return at;
    }

    /// <summary>Schedules the release workflow for a window; null when the guardian does not exist.</summary>
    public async Task<WorkflowStart?> EvaluateAsync(string guardianId, EvaluationOrder order, CancellationToken cancellationToken)
    {
        if (await guardians.GetAsync(guardianId, cancellationToken) is null)
        {
            return null;
        }

        var runId = order.RunId ?? RunIds.ForManual(order.Start, order.End);
        return await workflows.ScheduleAsync(new EvaluationRequest(
            guardianId, runId, order.Purpose, order.Start, order.End, EvaluationTriggers.Manual,
            "manual\n" + runId, order.Signals), cancellationToken);
    }
}
