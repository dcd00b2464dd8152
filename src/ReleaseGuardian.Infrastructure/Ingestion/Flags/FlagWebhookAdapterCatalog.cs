using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Infrastructure.Ingestion.Flags;

/// <summary>
/// Every flag-service webhook adapter, looked up by the <c>{provider}</c> route value (case-insensitive).
/// </summary>
public sealed class FlagWebhookAdapterCatalog
{
    private readonly Dictionary<string, IFlagWebhookAdapter> _adapters;

    /// <summary>A catalog of the given adapters; a provider name may appear only once.</summary>
    public FlagWebhookAdapterCatalog(IEnumerable<IFlagWebhookAdapter> adapters)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        _adapters = new Dictionary<string, IFlagWebhookAdapter>(StringComparer.OrdinalIgnoreCase);
        foreach (var adapter in adapters)
        {
            if (!_adapters.TryAdd(adapter.Provider, adapter))
            {
                throw new ArgumentException($"two flag webhook adapters claim the provider '{adapter.Provider}'", nameof(adapters));
            }
        }

        Providers = _adapters.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The built-in adapters: launchdarkly, unleash, flagsmith, configcat, gofeatureflag, growthbook, split, azureappconfig.</summary>
    public static FlagWebhookAdapterCatalog Default { get; } = new(CreateBuiltIn());

    /// <summary>The provider names, sorted.</summary>
    public IReadOnlyCollection<string> Providers { get; }

    /// <summary>The adapter for <paramref name="provider"/>, ignoring case.</summary>
    public bool TryGet(string provider, [MaybeNullWhen(false)] out IFlagWebhookAdapter adapter)
    {
        if (provider is not null && _adapters.TryGetValue(provider, out var found))
        {
            adapter = found;
            return true;
        }

        adapter = null;
        return false;
    }

    /// <summary>New instances of every built-in adapter.</summary>
    public static IReadOnlyList<IFlagWebhookAdapter> CreateBuiltIn() =>
    [
        new LaunchDarklyWebhookAdapter(),
        new UnleashWebhookAdapter(),
        new FlagsmithWebhookAdapter(),
        new ConfigCatWebhookAdapter(),
        new GoFeatureFlagWebhookAdapter(),
        new GrowthBookWebhookAdapter(),
        new SplitWebhookAdapter(),
        new AzureAppConfigurationWebhookAdapter(),
    ];
}

/// <summary>Registers the flag webhook adapters.</summary>
public static class FlagWebhookAdapterServiceCollectionExtensions
{
    /// <summary>
    /// Registers every built-in adapter as an <see cref="IFlagWebhookAdapter"/> singleton and the
    /// <see cref="FlagWebhookAdapterCatalog"/> built from all registered adapters (so a host may add its own).
    /// </summary>
    public static IServiceCollection AddFlagWebhookAdapters(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        foreach (var adapter in FlagWebhookAdapterCatalog.CreateBuiltIn())
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IFlagWebhookAdapter), adapter.GetType()));
        }

        services.TryAddSingleton(sp => new FlagWebhookAdapterCatalog(sp.GetServices<IFlagWebhookAdapter>()));
        return services;
    }
}
