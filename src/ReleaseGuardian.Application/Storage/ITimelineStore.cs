namespace ReleaseGuardian.Application.Storage;

/// <summary>
/// A guardian's timeline, merged newest first: its bound flag's changes, its load tests and chaos results, its releases,
/// the entries appended with <see cref="AppendTimelineAsync"/> (invalidations, baseline resets), and the
/// verdicts, rollbacks and notifications read from where the runs and notifications are stored.
/// </summary>
public interface ITimelineStore
{
    /// <summary>
    /// One page of the timeline, newest first. Entries with the same time keep a stable order across pages.
    /// </summary>
    /// <param name="guardianId">The guardian.</param>
    /// <param name="flag">The guardian's bound flag, whose changes are merged in; null for none.</param>
    /// <param name="pageSize">Entries per page (1..1000).</param>
    /// <param name="continuation">The previous page's token, or null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="InvalidContinuationException">The token was not produced by this listing.</exception>
    Task<ResultPage<TimelineEntry>> GetTimelineAsync(string guardianId, FlagScope? flag, int pageSize, string? continuation, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends an entry to a guardian's timeline (run invalidations, baseline resets). Verdicts, rollbacks and
    /// notifications need no appending: the timeline reads them from the stored runs and notifications. Idempotent: appending the
    /// same kind, time and id again replaces the entry, so a retried workflow step adds nothing.
    /// </summary>
    /// <param name="guardianId">The guardian.</param>
    /// <param name="kind">One of <see cref="TimelineKinds"/>.</param>
    /// <param name="time">When it happened.</param>
    /// <param name="id">The item's id.</param>
    /// <param name="summary">One line of plain words.</param>
    /// <param name="dataJson">The item as JSON.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task AppendTimelineAsync(string guardianId, string kind, DateTimeOffset time, string id, string summary, string dataJson, CancellationToken cancellationToken = default);
}

/// <summary>One entry of a timeline.</summary>
/// <param name="Kind">One of <see cref="TimelineKinds"/>.</param>
/// <param name="Time">When it happened.</param>
/// <param name="Id">The item's id (event id, run id, ...).</param>
/// <param name="Summary">One line of plain words.</param>
/// <param name="DataJson">The item as JSON: the event data for events, what was appended otherwise.</param>
public sealed record TimelineEntry(string Kind, DateTimeOffset Time, string Id, string Summary, string DataJson);

/// <summary>The kinds of timeline entries.</summary>
public static class TimelineKinds
{
    /// <summary>A change of the bound flag.</summary>
    public const string FlagChange = "flagChange";

    /// <summary>A finished load test.</summary>
    public const string LoadTest = "loadTest";

    /// <summary>A finished chaos experiment.</summary>
    public const string Chaos = "chaos";

    /// <summary>A judged run.</summary>
    public const string Verdict = "verdict";

    /// <summary>A flag rollback (or an attempt).</summary>
    public const string Rollback = "rollback";

    /// <summary>A notification sent.</summary>
    public const string Notification = "notification";

    /// <summary>A release plan, at its start, with its stages as they stand (docs/releases.md).</summary>
    public const string Release = "release";
}
