using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Infrastructure.Outbound;

namespace ReleaseGuardian.Infrastructure.LoadTesting;

/// <summary>Registers the load-test launchers and the training activities.</summary>
public static class LoadTestLauncherServiceCollectionExtensions
{
    /// <summary>
    /// The http and Azure Load Testing launchers (typed HttpClients, registered like the rollback clients so the outbound
    /// policy applies to them; the Azure Load Testing identity from <c>LoadTest:AzureLoadTesting</c>),
    /// the result URLs and <see cref="ITrainingActivities"/>. A host may register more <see cref="ILoadTestLauncher"/>s
    /// (the demo's built-in generator) and its own <see cref="LoadTestResultUrls"/> before this.
    /// </summary>
    public static IServiceCollection AddLoadTestLaunchers(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOutboundPolicy(configuration);
        services.TryAddSingleton(new LoadTestResultUrls(() => configuration["Api:PublicBaseUrl"] ?? configuration["Guardian:PublicBaseUrl"]));
        services.TryAddSingleton(new LoadTestAllowList(configuration));
        services.AddHttpClient<HttpLoadTestLauncher>(http => http.Timeout = TimeSpan.FromSeconds(30)).UseOutboundPolicy();
        services.AddTransient<ILoadTestLauncher>(sp => sp.GetRequiredService<HttpLoadTestLauncher>());

        services.AddOptions<AzureLoadTestingOptions>().Bind(configuration.GetSection(AzureLoadTestingOptions.Section));
        // The credential is created once, on first use: an operator who never uses the launcher needs no identity.
        services.TryAddSingleton(sp => AzureLoadTestingCredential.From(sp.GetRequiredService<IOptionsMonitor<AzureLoadTestingOptions>>().CurrentValue));
        services.AddHttpClient<AzureLoadTestingLauncher>(http => http.Timeout = TimeSpan.FromSeconds(30)).UseOutboundPolicy();
        services.AddTransient<ILoadTestLauncher>(sp => sp.GetRequiredService<AzureLoadTestingLauncher>());
        services.TryAddScoped<ITrainingActivities, TrainingActivities>();
        return services;
    }
}
