using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// A rollback client that also sets rollout percentages (<see cref="IFlagRolloutClient"/>) with the same settings,
/// HttpClient and outbound policy. It checks the arguments, names each write for people ("LaunchDarkly rollout of flag
/// 'x' to 10%") and turns provider failures into a capture exception or Succeeded=false; the provider's class does
/// the calls.
/// </summary>
public abstract class FlagRolloutClientBase : RollbackClientBase, IFlagRolloutClient
{
    private readonly string _displayName;
    private readonly string _noun;

    private protected FlagRolloutClientBase(string provider, string displayName, string noun, IConfiguration configuration, ILogger logger)
        : base(provider, configuration, logger)
    {
        _displayName = displayName;
        _noun = noun;
    }

    /// <inheritdoc />
    public bool SupportsPercentages => true;

    /// <inheritdoc />
    public Task<FlagRolloutSnapshot> CaptureAsync(FlagBinding flag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flag);
        return FlagRollouts.CaptureGuardAsync(Provider, flag.Key, Scrub, () => CaptureCoreAsync(flag, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public Task<RolloutWriteResult> SetRolloutAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, int percent, string? variant, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flag);
        ArgumentNullException.ThrowIfNull(preRelease);
        FlagRollouts.CheckPercent(percent);
        var what = $"{_displayName} rollout of {_noun} '{flag.Key}' to {percent}%";
        return FlagRollouts.GuardAsync(Provider, flag.Key, what, Logger, Scrub,
            () => SetRolloutCoreAsync(flag, preRelease, percent, variant, reason, what, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public Task<RolloutWriteResult> RestoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flag);
        ArgumentNullException.ThrowIfNull(preRelease);
        var what = $"{_displayName} restore of {_noun} '{flag.Key}'";
        return FlagRollouts.GuardAsync(Provider, flag.Key, what, Logger, Scrub,
            () => RestoreCoreAsync(flag, preRelease, reason, what, cancellationToken), cancellationToken);
    }

    /// <summary>Reads the flag; a provider failure throws <see cref="FlagCaptureException"/>.</summary>
    private protected abstract Task<FlagRolloutSnapshot> CaptureCoreAsync(FlagBinding flag, CancellationToken cancellationToken);

    /// <summary>Writes the rollout; <paramref name="what"/> names it in every result.</summary>
    private protected abstract Task<RolloutWriteResult> SetRolloutCoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, int percent, string? variant, string reason, string what, CancellationToken cancellationToken);

    /// <summary>Writes the captured state back; <paramref name="what"/> names it in every result.</summary>
    private protected abstract Task<RolloutWriteResult> RestoreCoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, string reason, string what, CancellationToken cancellationToken);
}
