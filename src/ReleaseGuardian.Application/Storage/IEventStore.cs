using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Application.Storage;

/// <summary>
/// The audit trail of inbound events. Each accepted event is recorded exactly once, however often it is
/// delivered: the de-dup marker (<see cref="InboundEvent.DedupKey"/>) and the event land together or not at all, or,
/// when <see cref="InboundEvent.TimeFromPayload"/> makes the event's time part of its identity, the event alone.
/// Flag changes are kept per flag (<see cref="FlagScope"/>), load tests and chaos results per guardian.
/// </summary>
public interface IEventStore
{
    /// <summary>
    /// Records an event and its raw payload. Answers <see cref="EventRecordResult.Recorded"/> the first time and
    /// <see cref="EventRecordResult.Duplicate"/> (with what was recorded then) for every later delivery of the same
    /// source and id, also when deliveries race.
    /// </summary>
    /// <param name="evt">The normalised event.</param>
    /// <param name="rawPayload">The delivery as received, kept for the audit trail (any size a request may have);
    /// when null, a flag change's <see cref="FlagChange.RawPayload"/> is kept.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<EventRecordResult> RecordAsync(InboundEvent evt, string? rawPayload, CancellationToken cancellationToken = default);

    /// <summary>The most recent recorded change of one flag (by the time it happened); null when none is recorded.</summary>
    /// <param name="provider">The flag service.</param>
    /// <param name="project">The provider's project, where it has one.</param>
    /// <param name="environment">The environment, where it has one.</param>
    /// <param name="flagKey">The flag key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<FlagChangedEvent?> GetLatestChangeAsync(string provider, string? project, string? environment, string flagKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes of one flag that happened strictly after <paramref name="after"/>, newest first, at most
    /// <paramref name="max"/> (finds the change under test: the latest change newer than the previous judged run).
    /// </summary>
    /// <param name="flag">The flag.</param>
    /// <param name="after">Only changes later than this.</param>
    /// <param name="max">The most changes to return.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<FlagChangedEvent>> GetChangesSinceAsync(FlagScope flag, DateTimeOffset after, int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// Fills in a change's missing previous state from the last-seen state: when <see cref="FlagChange.Previous"/>
    /// is null, it becomes the <see cref="FlagChange.Current"/> of the latest recorded change of the same flag that
    /// happened strictly before <see cref="FlagChange.ChangedAt"/>. Returns the change unchanged when it already has
    /// a previous state or nothing earlier is recorded. One query at most.
    /// </summary>
    /// <param name="change">The change as a webhook reported it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<FlagChange> FillPreviousStateAsync(FlagChange change, CancellationToken cancellationToken = default);
}

/// <summary>An event as recorded.</summary>
/// <param name="Event">The normalised event. Events read back from storage carry no <see cref="FlagChange.RawPayload"/>;
/// the payload is <see cref="RawPayload"/>.</param>
/// <param name="RecordedAt">When it was first recorded.</param>
/// <param name="RawPayload">The delivery as received, when one was kept.</param>
public sealed record RecordedEvent(InboundEvent Event, DateTimeOffset RecordedAt, string? RawPayload);

/// <summary>The result of <see cref="IEventStore.RecordAsync"/>.</summary>
/// <param name="Record">The recorded event: this delivery's, or the one recorded earlier for a duplicate.</param>
public abstract record EventRecordResult(RecordedEvent Record)
{
    /// <summary>True for a repeated delivery.</summary>
    public bool IsDuplicate => this is Duplicate;

    /// <summary>First delivery: the event is now recorded.</summary>
    /// <param name="Record">What was recorded.</param>
    public sealed record Recorded(RecordedEvent Record) : EventRecordResult(Record);

    /// <summary>A repeated delivery: nothing was written.</summary>
    /// <param name="Record">What the first delivery recorded.</param>
    public sealed record Duplicate(RecordedEvent Record) : EventRecordResult(Record);
}
