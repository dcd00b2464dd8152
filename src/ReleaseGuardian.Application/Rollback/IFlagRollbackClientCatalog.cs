namespace ReleaseGuardian.Application.Rollback;

/// <summary>Picks the rollback client for a provider.</summary>
public interface IFlagRollbackClientCatalog
{
    /// <summary>The providers a client is registered for.</summary>
    IReadOnlyCollection<string> Providers { get; }

    /// <summary>The client for <paramref name="provider"/> (case-insensitive), or null when there is none.</summary>
    /// <param name="provider">The provider name, e.g. "LaunchDarkly" or "launchdarkly".</param>
    IFlagRollbackClient? Find(string provider);

    /// <summary>
    /// Rolls back through the client for <see cref="RollbackPlan.Flag"/>'s provider; an unknown provider
    /// gives <see cref="RollbackOutcome.NotSupported"/>.
    /// </summary>
    /// <param name="plan">What to restore.</param>
    /// <param name="cancellationToken">Cancels the rollback.</param>
    Task<RollbackOutcome> RollBackAsync(RollbackPlan plan, CancellationToken cancellationToken);
}
