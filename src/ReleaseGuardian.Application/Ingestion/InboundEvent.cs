using ReleaseGuardian.Core.Chaos;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Application.Ingestion;

/// <summary>
/// A normalised inbound event, whatever door it came through (flag webhook, load-test webhook, CloudEvent
/// over HTTP, queue message). <see cref="Source"/> and <see cref="Id"/> form the de-dup key, as in CloudEvents.
/// </summary>
/// <param name="Source">The CloudEvents source, or <c>/webhooks/flags/{provider}</c>, <c>/webhooks/loadtests/{tool}</c>.</param>
/// <param name="Id">The event id within its source (the change id, test id, or body hash).</param>
/// <param name="Type">One of <c>EventTypes</c>' inbound types.</param>
/// <param name="Time">When it happened.</param>
public abstract record InboundEvent(string Source, string Id, string Type, DateTimeOffset Time)
{
    /// <summary>The de-dup key: source and id.</summary>
    public string DedupKey => Source + "\n" + Id;

    /// <summary>
    /// True when <see cref="Time"/> was read from the delivered payload itself, so every redelivery of this event
    /// carries the same time; false (the default, the safe assumption) when it fell back to the receipt time or
    /// came from a per-delivery header. Storage may then de-duplicate on the time as well as on source and id.
    /// </summary>
    public bool TimeFromPayload { get; init; }
}

/// <summary>A flag changed.</summary>
public sealed record FlagChangedEvent(string Source, string Id, DateTimeOffset Time, FlagChange Change)
    : InboundEvent(Source, Id, Hosting.EventTypes.FlagChanged, Time);

/// <summary>A load test finished.</summary>
public sealed record LoadTestFinishedEvent(string Source, string Id, DateTimeOffset Time, LoadTestFinished Result)
    : InboundEvent(Source, Id, Hosting.EventTypes.LoadTestFinished, Time);

/// <summary>A chaos experiment finished.</summary>
public sealed record ChaosFinishedEvent(string Source, string Id, DateTimeOffset Time, ChaosExperimentFinished Result)
    : InboundEvent(Source, Id, Hosting.EventTypes.ChaosFinished, Time);
