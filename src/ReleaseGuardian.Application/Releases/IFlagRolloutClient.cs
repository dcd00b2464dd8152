using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Application.Releases;

/// <summary>
/// A flag's exact state before (or during) a release, as its provider returned it: what a release restores on a
/// No-Go or an abort, and what it compares to notice a person changing the flag mid-release.
/// </summary>
/// <param name="Provider">The provider, as in <see cref="FlagBinding.Provider"/>.</param>
/// <param name="State">The provider's own representation of everything a release may touch (JSON or file text), opaque to all but the client that captured it.</param>
/// <param name="RolloutPercent">The share of users served the rolled-out value, 0–100, where the state says it.</param>
/// <param name="Fingerprint">A digest of the parts a release writes, normalised (no versions or timestamps): equal fingerprints mean nobody changed them.</param>
/// <param name="SupportsPercentages">False when this flag only has on/off (then only a one-stage plan can run).</param>
/// <param name="Summary">Plain words for people and notifications, e.g. "on, fallthrough 10% 'true' / 90% 'false'".</param>
public sealed record FlagRolloutSnapshot(
    string Provider,
    string State,
    int? RolloutPercent,
    string Fingerprint,
    bool SupportsPercentages,
    string Summary);

/// <summary>What a snapshot says about itself.</summary>
public static class FlagRolloutSnapshots
{
    /// <summary>
    /// True when the client could not read the flag and said so with an empty state and fingerprint instead of throwing
    /// (its <see cref="FlagRolloutSnapshot.Summary"/> says why): nothing can be restored from it, so a release must not start
    /// on it, and two of them never mean "nobody changed the flag".
    /// </summary>
    public static bool IsUnknown(FlagRolloutSnapshot snapshot) =>
        snapshot.State.Length == 0 || snapshot.Fingerprint.Length == 0;
}

/// <summary>How a rollout write or a restore went.</summary>
/// <param name="Succeeded">True when the provider accepted it.</param>
/// <param name="Detail">What happened, in plain words (remote statuses in logs, never secrets).</param>
/// <param name="After">The flag's state as read back after the write, when it succeeded.</param>
public sealed record RolloutWriteResult(bool Succeeded, string Detail, FlagRolloutSnapshot? After);

/// <summary>
/// Sets a flag's rollout percentage on one flag service, and restores a captured state exactly. One implementation
/// per provider (Infrastructure), next to that provider's rollback client and sharing its settings and HTTP code.
/// Every call goes through the outbound policy; destinations and credentials come from operator configuration.
/// Never throws for a provider-side failure (only cancellation propagates).
/// </summary>
public interface IFlagRolloutClient
{
    /// <summary>The provider this client speaks to, as in <see cref="FlagBinding.Provider"/>.</summary>
    string Provider { get; }

    /// <summary>False when the provider only has on/off (a plan of more than one stage is refused at once).</summary>
    bool SupportsPercentages { get; }

    /// <summary>Reads the flag's current state.</summary>
    Task<FlagRolloutSnapshot> CaptureAsync(FlagBinding flag, CancellationToken cancellationToken);

    /// <summary>
    /// Serves <paramref name="variant"/> (null: the flag's "on"/true value) to <paramref name="percent"/>% of users and
    /// the pre-release value to the rest, keeping everything else of <paramref name="preRelease"/>. 100 serves it to all.
    /// Safe to call again with the same arguments (activities run at least once).
    /// </summary>
    Task<RolloutWriteResult> SetRolloutAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, int percent, string? variant, string reason, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="preRelease"/> back exactly (the release's No-Go or abort).</summary>
    Task<RolloutWriteResult> RestoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, string reason, CancellationToken cancellationToken);
}
