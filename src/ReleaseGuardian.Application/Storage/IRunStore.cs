using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Application.Storage;

/// <summary>
/// Judged runs of each guardian with their evidence, and the per-guardian baseline reset marker.
/// </summary>
public interface IRunStore
{
    /// <summary>
    /// Saves a run. <see cref="WriteCondition.IfNotExists"/> answers <see cref="WriteOutcome.Created"/> or
    /// <see cref="WriteOutcome.Conflict"/>; <see cref="WriteCondition.IfMatch"/> answers <see cref="WriteOutcome.Updated"/>,
    /// <see cref="WriteOutcome.Conflict"/> (changed since, or <see cref="RunRecord.CreatedAt"/> differs from the stored run's:
    /// the creation time is the run's place in the listing and never changes) or <see cref="WriteOutcome.NotFound"/>;
    /// <see cref="WriteCondition.None"/> answers <see cref="WriteOutcome.Written"/>.
    /// </summary>
    /// <param name="run">The run.</param>
    /// <param name="condition">The precondition.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<WriteResult> SaveAsync(RunRecord run, WriteCondition condition, CancellationToken cancellationToken = default);

    /// <summary>Reads one run (a point read); null when there is none.</summary>
    /// <param name="guardianId">The guardian.</param>
    /// <param name="runId">The run id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<StoredRun?> GetAsync(string guardianId, string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// A guardian's runs, newest (by <see cref="RunRecord.CreatedAt"/>) first, paged. Listings carry no ETags:
    /// read a run with <see cref="GetAsync"/> before updating it.
    /// </summary>
    /// <param name="guardianId">The guardian.</param>
    /// <param name="pageSize">Runs per page (1..1000).</param>
    /// <param name="continuation">The previous page's token, or null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="InvalidContinuationException">The token was not produced by this listing.</exception>
    Task<ResultPage<RunRecord>> ListAsync(string guardianId, int pageSize, string? continuation, CancellationToken cancellationToken = default);

    /// <summary>
    /// The baseline history for judging: the last <paramref name="max"/> eligible runs, oldest first. A run is
    /// eligible when its status is not fail or error (and it has one), it is not invalidated, and it was created
    /// after the guardian's last baseline reset and before <paramref name="before"/> (DESIGN.md §3).
    /// </summary>
    /// <param name="guardianId">The guardian.</param>
    /// <param name="max">The most runs to return (the definition's <c>training.maxRuns</c>).</param>
    /// <param name="before">Only runs created strictly before this (the run being judged); null for no bound.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<RunRecord>> GetEligibleHistoryAsync(string guardianId, int max, DateTimeOffset? before = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// What judging a run needs, read together: the eligible baseline history (what <see cref="GetEligibleHistoryAsync"/>
    /// answers with no bound, oldest first) and the guardian's newest runs of any status, newest first, from which the
    /// previous judged run is found. One query where the history would otherwise cost three reads. The records carry
    /// what judging reads (window, signals, status, invalidation, creation time), not the verdict or the change under test.
    /// </summary>
    /// <param name="guardianId">The guardian.</param>
    /// <param name="maxEligible">The most eligible runs to return (the definition's <c>training.maxRuns</c>).</param>
    /// <param name="newest">How many of the newest runs to return whatever their status.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<JudgingHistory> GetJudgingHistoryAsync(string guardianId, int maxEligible, int newest, CancellationToken cancellationToken = default);

    /// <summary>Marks a run invalidated (it no longer counts for the baseline), keeping it for the record.</summary>
    /// <param name="guardianId">The guardian.</param>
    /// <param name="runId">The run id.</param>
    /// <param name="reason">Why, in the user's words.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<WriteResult> InvalidateAsync(string guardianId, string runId, string reason, CancellationToken cancellationToken = default);

    /// <summary>Starts training again: runs created at or before <paramref name="resetAt"/> no longer count.</summary>
    /// <param name="guardianId">The guardian.</param>
    /// <param name="resetAt">The reset time.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task ResetBaselineAsync(string guardianId, DateTimeOffset resetAt, CancellationToken cancellationToken = default);

    /// <summary>The guardian's last baseline reset; null when it was never reset.</summary>
    /// <param name="guardianId">The guardian.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<DateTimeOffset?> GetBaselineResetAsync(string guardianId, CancellationToken cancellationToken = default);
}

/// <summary>A judged (or judging) run of a guardian.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="RunId">The run id (the load test's id for load-test runs).</param>
/// <param name="Purpose">Training or validation.</param>
/// <param name="WindowStart">Start of the measured window.</param>
/// <param name="WindowEnd">End of the measured window.</param>
/// <param name="Signals">The measured signals by name.</param>
/// <param name="VerdictJson">The verdict (DESIGN.md §6) as JSON; null before it is judged.</param>
/// <param name="Status">The verdict status: pass, warning, fail, error or info; null before it is judged.</param>
/// <param name="Invalidated">Removed from the baseline by a user.</param>
/// <param name="InvalidatedReason">Why it was invalidated.</param>
/// <param name="ChangeUnderTestJson">The flag change under test as JSON, when there is one.</param>
/// <param name="CreatedAt">When the run was first saved; orders the listing and never changes.</param>
public sealed record RunRecord(
    string GuardianId,
    string RunId,
    RunPurpose Purpose,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    IReadOnlyDictionary<string, double> Signals,
    string? VerdictJson,
    string? Status,
    bool Invalidated,
    string? InvalidatedReason,
    string? ChangeUnderTestJson,
    DateTimeOffset CreatedAt);

/// <summary>The runs a judgement reads: see <see cref="IRunStore.GetJudgingHistoryAsync"/>.</summary>
/// <param name="Eligible">The eligible baseline runs, oldest first.</param>
/// <param name="Newest">The newest runs of any status, newest first.</param>
public sealed record JudgingHistory(IReadOnlyList<RunRecord> Eligible, IReadOnlyList<RunRecord> Newest);

/// <summary>A stored run and its version.</summary>
/// <param name="Run">The run.</param>
/// <param name="ETag">The version, for <see cref="WriteCondition.IfMatch"/>.</param>
public sealed record StoredRun(RunRecord Run, string ETag);
