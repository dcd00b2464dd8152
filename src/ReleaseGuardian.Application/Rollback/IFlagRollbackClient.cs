namespace ReleaseGuardian.Application.Rollback;

/// <summary>
/// Rolls one flag service's flag back to the state a change replaced. One implementation per provider;
/// the release workflow picks one through <see cref="IFlagRollbackClientCatalog"/>.
/// </summary>
public interface IFlagRollbackClient
{
    /// <summary>
    /// The provider this client speaks to, as in <see cref="Core.Definitions.FlagBinding.Provider"/>:
    /// launchdarkly, unleash, flagsmith, configcat, growthbook, split, azureappconfig, flagd, gofeatureflag, http.
    /// </summary>
    string Provider { get; }

    /// <summary>
    /// Restores <see cref="RollbackPlan.RestoreTo"/> on the provider. Never throws for a provider-side
    /// failure: every failure becomes <see cref="RollbackOutcome.Failed"/> with the steps to do it by hand.
    /// Only cancellation propagates.
    /// </summary>
    /// <param name="plan">What to restore, and why.</param>
    /// <param name="cancellationToken">Cancels the rollback (and its retries).</param>
    Task<RollbackOutcome> RollBackAsync(RollbackPlan plan, CancellationToken cancellationToken);
}
