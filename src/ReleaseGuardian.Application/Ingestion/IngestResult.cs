namespace ReleaseGuardian.Application.Ingestion;

/// <summary>One event an inbound delivery was turned into.</summary>
/// <param name="Type">The normalised event type.</param>
/// <param name="Source">The event's source.</param>
/// <param name="Id">The event's id within the source.</param>
/// <param name="GuardianId">The guardian it belongs to, where it is bound to one.</param>
/// <param name="InstanceId">The release workflow it started (or, for a duplicate, had started).</param>
public sealed record AcceptedEvent(string Type, string Source, string Id, string? GuardianId = null, string? InstanceId = null);

/// <summary>What an inbound delivery amounted to; hosts turn it into the HTTP answer.</summary>
public abstract record IngestResult
{
    private IngestResult()
    {
    }

    /// <summary>
    /// Recorded (or already recorded: a duplicate is answered exactly like the first delivery). HTTP 202.
    /// </summary>
    /// <param name="Events">The events, in delivery order.</param>
    public sealed record Accepted(IReadOnlyList<AcceptedEvent> Events) : IngestResult;

    /// <summary>Authentic but not something we track. HTTP 202; nothing stored.</summary>
    /// <param name="Reason">Why.</param>
    public sealed record Ignored(string Reason) : IngestResult;

    /// <summary>A protocol handshake. HTTP 200 with this JSON; nothing stored.</summary>
    /// <param name="ResponseJson">The body.</param>
    public sealed record Handshake(string ResponseJson) : IngestResult;

    /// <summary>Rejected. Problem+json with the problem's status; nothing stored.</summary>
    /// <param name="Problem">What was wrong, naming the field.</param>
    public sealed record Rejected(IngestProblem Problem) : IngestResult;
}
