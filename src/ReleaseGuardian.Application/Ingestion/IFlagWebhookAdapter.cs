using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Application.Ingestion;

/// <summary>
/// Authenticates and normalises one flag service's webhook deliveries into <see cref="FlagChange"/>s.
/// Implementations are pure functions of their inputs: no I/O, no clock but the <c>now</c> they are given.
/// </summary>
public interface IFlagWebhookAdapter
{
    /// <summary>The provider name in the route: launchdarkly, unleash, flagsmith, configcat, gofeatureflag, growthbook, split, azureappconfig.</summary>
    string Provider { get; }

    /// <summary>
    /// Verifies the delivery (over the raw bytes, in constant time) and then parses it. Verification comes
    /// first: an unauthenticated body is never parsed.
    /// </summary>
    FlagWebhookOutcome Handle(WebhookRequest request, WebhookSecurity security, DateTimeOffset now);
}

/// <summary>What a flag webhook delivery amounts to.</summary>
public abstract record FlagWebhookOutcome
{
    private FlagWebhookOutcome()
    {
    }

    /// <summary>The delivery is authentic and carries these flag changes (one or more; GO Feature Flag batches).</summary>
    /// <param name="Changes">The normalised changes.</param>
    /// <param name="DeliveryId">The de-dup key of the delivery as a whole (e.g. ConfigCat's webhook id, or a body hash).</param>
    /// <param name="TimeFromPayload">True when every change's <see cref="FlagChange.ChangedAt"/> was read from the body,
    /// so a redelivery yields the same times; false when any fell back to <c>now</c> or a per-delivery header
    /// (see <see cref="InboundEvent.TimeFromPayload"/>).</param>
    public sealed record Accepted(IReadOnlyList<FlagChange> Changes, string DeliveryId, bool TimeFromPayload = false) : FlagWebhookOutcome;

    /// <summary>The delivery is authentic but not about a flag change we track (e.g. a segment edit); answer 202, store nothing.</summary>
    /// <param name="Reason">Why it was ignored.</param>
    public sealed record Ignored(string Reason) : FlagWebhookOutcome;

    /// <summary>A protocol handshake (Event Grid subscription validation): answer 200 with this JSON body, store nothing.</summary>
    /// <param name="ResponseJson">The body to answer with.</param>
    public sealed record Handshake(string ResponseJson) : FlagWebhookOutcome;

    /// <summary>The delivery is rejected; store nothing.</summary>
    /// <param name="Problem">What was wrong.</param>
    public sealed record Rejected(IngestProblem Problem) : FlagWebhookOutcome;
}
