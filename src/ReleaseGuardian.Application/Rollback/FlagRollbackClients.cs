namespace ReleaseGuardian.Application.Rollback;

/// <summary>The registered <see cref="IFlagRollbackClient"/>s, looked up by provider name, ignoring case.</summary>
public sealed class FlagRollbackClients : IFlagRollbackClientCatalog
{
    private readonly Dictionary<string, IFlagRollbackClient> _byProvider;

    /// <summary>Indexes <paramref name="clients"/> by <see cref="IFlagRollbackClient.Provider"/>; a later registration for the same provider wins.</summary>
    /// <param name="clients">Every registered client.</param>
    public FlagRollbackClients(IEnumerable<IFlagRollbackClient> clients)
    {
        ArgumentNullException.ThrowIfNull(clients);
        _byProvider = new Dictionary<string, IFlagRollbackClient>(StringComparer.OrdinalIgnoreCase);
        foreach (var client in clients)
        {
            _byProvider[client.Provider] = client;
        }
    }

    /// <inheritdoc />
    public IReadOnlyCollection<string> Providers => _byProvider.Keys;

    /// <inheritdoc />
    public IFlagRollbackClient? Find(string provider) =>
        provider is not null && _byProvider.TryGetValue(provider, out var client) ? client : null;

    /// <inheritdoc />
    public Task<RollbackOutcome> RollBackAsync(RollbackPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var client = Find(plan.Flag.Provider);
        return client is null
            ? Task.FromResult<RollbackOutcome>(new RollbackOutcome.NotSupported(
                $"No rollback client for provider '{plan.Flag.Provider}' (flag.provider); known: {string.Join(", ", _byProvider.Keys.Order(StringComparer.Ordinal))}."))
            : client.RollBackAsync(plan, cancellationToken);
    }
}
