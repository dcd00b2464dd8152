using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Infrastructure.Outbound;

namespace ReleaseGuardian.Infrastructure.LoadTesting;

/// <summary>Registers the load-test launchers and the training activities.</summary>
public static class LoadTestLauncherServiceCollectionExtensions
{
    /// <summary>
    /// The http launcher (a typed HttpClient, registered like the rollback clients so the outbound policy applies to it),
    /// the result URLs and <see cref="ITrainingActivities"/>. A host may register more <see cref="ILoadTestLauncher"/>s
    /// (the demo's built-in generator) and its own <see cref="LoadTestResultUrls"/> before this.
    /// </summary>
    public static IServiceCollection AddLoadTestLaunchers(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOutboundPolicy(configuration);
        services.TryAddSingleton(new LoadTestResultUrls(() => configuration["Api:PublicBaseUrl"] ?? configuration["Guardian:PublicBaseUrl"]));
        services.AddHttpClient<HttpLoadTestLauncher>(http => http.Timeout = TimeSpan.FromSeconds(30)).UseOutboundPolicy();
        services.AddTransient<ILoadTestLauncher>(sp => sp.GetRequiredService<HttpLoadTestLauncher>());
        services.TryAddScoped<ITrainingActivities, TrainingActivities>();
        return services;
    }
}
