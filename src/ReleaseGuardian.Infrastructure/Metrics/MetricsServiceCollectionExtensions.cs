using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReleaseGuardian.Application.Metrics;
using ReleaseGuardian.Infrastructure.Metrics.AzureMonitor;
using ReleaseGuardian.Infrastructure.Metrics.Prometheus;
using ReleaseGuardian.Infrastructure.Outbound;

namespace ReleaseGuardian.Infrastructure.Metrics;

/// <summary>Registers the metrics sources and the catalog that picks between them.</summary>
public static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the loadtest, prometheus and azuremonitor sources and <see cref="MetricsSourceCatalog"/>.
    /// Binds <c>Metrics:AzureMonitor</c> (<c>Endpoint</c>). The Log Analytics token comes from a
    /// <see cref="TokenCredential"/> registered in the container, else <see cref="DefaultAzureCredential"/>.
    /// </summary>
    public static IServiceCollection AddMetricsSources(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AzureMonitorMetricsOptions>().Bind(configuration.GetSection(AzureMonitorMetricsOptions.Section));

        // Each query has its own deadline (metrics.timeoutSeconds); HttpClient's 100 s default would only hide it.
        services.AddOutboundPolicy(configuration);
        services.AddHttpClient(PrometheusMetricsSource.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan).UseOutboundPolicy();
        services.AddHttpClient(AzureMonitorMetricsSource.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan).UseOutboundPolicy();

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsSource, LoadTestMetricsSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsSource, PrometheusMetricsSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsSource, AzureMonitorMetricsSource>(sp => new AzureMonitorMetricsSource(
            sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetService<TokenCredential>() ?? new DefaultAzureCredential(),
            sp.GetRequiredService<IOptions<AzureMonitorMetricsOptions>>(),
            sp.GetRequiredService<ILogger<AzureMonitorMetricsSource>>())));
        services.TryAddSingleton<MetricsSourceCatalog>();
        return services;
    }
}
