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

/// <summary>The outcome of asking for an evaluation.</summary>
public abstract record EvaluationResult
{
    private EvaluationResult()
    {
    }

    /// <summary>Scheduled, or the same evaluation was already scheduled (then <see cref="WorkflowStart.Created"/> is false).</summary>
    /// <param name="Workflow">The workflow instance.</param>
    public sealed record Scheduled(WorkflowStart Workflow) : EvaluationResult;

    /// <summary>There is no such guardian; nothing was scheduled.</summary>
    public sealed record GuardianMissing : EvaluationResult;

    /// <summary>The run id was already asked for with other input; nothing was scheduled, the first input stands.</summary>
    /// <param name="RunId">The run id.</param>
    /// <param name="Fields">The request fields that differ: <c>start</c>, <c>end</c>, <c>purpose</c>, <c>signals</c>.</param>
    public sealed record Differs(string RunId, IReadOnlyList<string> Fields) : EvaluationResult;
}

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

    /// <summary>
    /// Schedules the release workflow for a window. Asking again for the same run with the same input is the same
    /// evaluation; with another window, purpose or signals it is refused, naming what differs, rather than dropped.
    /// </summary>
    public async Task<EvaluationResult> EvaluateAsync(string guardianId, EvaluationOrder order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (await guardians.GetAsync(guardianId, cancellationToken) is null)
        {
            return new EvaluationResult.GuardianMissing();
        }

        var runId = order.RunId ?? RunIds.ForManual(order.Start, order.End);
        var request = new EvaluationRequest(
            guardianId, runId, order.Purpose, order.Start, order.End, EvaluationTriggers.Manual, "manual\n" + runId, order.Signals);
        var started = await workflows.ScheduleAsync(request, cancellationToken);
        if (!started.Created && started.Existing is { } existing && DifferencesOf(existing, request) is { Count: > 0 } fields)
        {
            return new EvaluationResult.Differs(runId, fields);
        }

        return new EvaluationResult.Scheduled(started);
    }

    private static List<string> DifferencesOf(EvaluationRequest existing, EvaluationRequest asked)
    {
        var fields = new List<string>();
        if (existing.Start != asked.Start)
        {
            fields.Add("start");
        }

        if (existing.End != asked.End)
        {
            fields.Add("end");
        }

        if (existing.Purpose != asked.Purpose)
        {
            fields.Add("purpose");
        }

        var had = existing.LoadTestSignals ?? new Dictionary<string, double>();
        var has = asked.LoadTestSignals ?? new Dictionary<string, double>();
        if (had.Count != has.Count || had.Any(s => !has.TryGetValue(s.Key, out var value) || !value.Equals(s.Value)))
        {
            fields.Add("signals");
        }

        return fields;
    }
}
