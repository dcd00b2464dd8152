using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Infrastructure.Ingestion.CloudEvents;

/// <summary>
/// What a CloudEvents delivery (HTTP request or queue message) amounts to: accepted events, a rejection
/// with every problem (one per bad event of a batch, fields prefixed with the index, e.g. <c>[3].id</c>),
/// or a validation handshake to answer. A rejected delivery carries no events: a batch is stored whole or
/// not at all.
/// </summary>
public sealed class CloudEventsReadResult
{
    private CloudEventsReadResult(IReadOnlyList<InboundEvent> events, IReadOnlyList<IngestProblem> problems, string? handshakeResponseJson, bool isBatch)
    {
        Events = events;
        Problems = problems;
        HandshakeResponseJson = handshakeResponseJson;
        IsBatch = isBatch;
    }

    /// <summary>The normalised events, in delivery order; empty unless <see cref="IsAccepted"/>.</summary>
    public IReadOnlyList<InboundEvent> Events { get; }

    /// <summary>Why the delivery was rejected; empty when accepted or a handshake.</summary>
    public IReadOnlyList<IngestProblem> Problems { get; }

    /// <summary>For an Event Grid subscription validation: the JSON body to answer 200 with, <c>{"validationResponse":"..."}</c>.</summary>
    public string? HandshakeResponseJson { get; }

    /// <summary>True when the delivery was a batch (or a JSON array).</summary>
    public bool IsBatch { get; }

    /// <summary>True for a validation handshake: answer <see cref="HandshakeResponseJson"/>, store nothing.</summary>
    public bool IsHandshake => HandshakeResponseJson is not null;

    /// <summary>True when every event was read; store <see cref="Events"/>.</summary>
    public bool IsAccepted => Problems.Count == 0 && !IsHandshake;

    /// <summary>The first problem, for a single problem+json answer (the others can go in an extension member).</summary>
    public IngestProblem? Problem => Problems.Count > 0 ? Problems[0] : null;

    /// <summary>The HTTP status to answer with: 200 when accepted or a handshake, else the first problem's status.</summary>
    public int StatusCode => Problem?.StatusCode ?? 200;

    internal static CloudEventsReadResult Accepted(IReadOnlyList<InboundEvent> events, bool isBatch) => new(events, [], null, isBatch);

    internal static CloudEventsReadResult Rejected(IngestProblem problem, bool isBatch = false) => new([], [problem], null, isBatch);

    internal static CloudEventsReadResult Rejected(IReadOnlyList<IngestProblem> problems, bool isBatch) => new([], problems, null, isBatch);

    internal static CloudEventsReadResult Handshake(string responseJson) => new([], [], responseJson, false);
}

/// <summary>
/// The answer to a CloudEvents webhook validation request (<c>OPTIONS</c> with <c>WebHook-Request-Origin</c>,
/// CloudEvents HTTP webhook spec §4, used by Event Grid's CloudEvents schema): 200 with <see cref="Headers"/>,
/// or the <see cref="Problem"/>.
/// </summary>
/// <param name="Headers">Response headers: <c>WebHook-Allowed-Origin</c>, <c>WebHook-Allowed-Rate</c>, <c>Allow</c>; empty on a problem.</param>
/// <param name="Problem">Why the request cannot be answered (400 naming the header), or null.</param>
public sealed record WebHookValidationAnswer(IReadOnlyDictionary<string, string> Headers, IngestProblem? Problem)
{
    /// <summary>The HTTP status: 200, or the problem's.</summary>
    public int StatusCode => Problem?.StatusCode ?? 200;
}
