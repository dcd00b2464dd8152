using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Guardians;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Application.Runs;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Infrastructure.Guardians;
using ReleaseGuardian.Infrastructure.HttpApi;
using ReleaseGuardian.Infrastructure.Outbound;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion.Flags;
using ReleaseGuardian.Infrastructure.Ingestion.LoadTests;
using ReleaseGuardian.Infrastructure.LoadTesting;
using ReleaseGuardian.Infrastructure.Metrics;
using ReleaseGuardian.Infrastructure.Notifications;
using ReleaseGuardian.Infrastructure.Rollback;
using ReleaseGuardian.Infrastructure.Storage;

namespace ReleaseGuardian.Infrastructure.Composition;

/// <summary>
/// The whole application minus its host: storage, ingestion, metrics, rollback, notifications and the use
/// cases. The standalone server and the Functions app both call <see cref="AddReleaseGuardian"/>, so the two
/// hosts run the same composition.
/// </summary>
public static class ReleaseGuardianComposition
{
    /// <summary>Registers everything Release Guardian needs, with storage from <c>AzureWebJobsStorage</c> (a connection string or identity-based settings).</summary>
    public static IServiceCollection AddReleaseGuardian(this IServiceCollection services, IConfiguration configuration, StorageOptions? storage = null)
    {
        KeepSecretsOutOfRequestLogs(services);
        var connection = StorageConnection.FromConfiguration(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddTableStorage(connection, storage);
        services.AddFlagWebhookAdapters();
        services.AddLoadTestParsers();
        services.AddMetricsSources(configuration);
        services.AddFlagRollback(configuration);
        services.AddNotificationSenders(configuration);
        services.AddLoadTestLaunchers(configuration);

        services.TryAddSingleton<IWebhookSecuritySettings>(new ConfigurationWebhookSecurity(configuration));
        services.TryAddSingleton<ICloudEventsReader, CloudEventsReaderPort>();
        services.TryAddSingleton<IDeliveryAuthenticator, GuardianSignatureAuthenticator>();
        services.AddOutboundPolicy(configuration);
        services.TryAddSingleton<IOperatorDefinitionPolicy, OperatorDefinitionPolicy>();
        services.TryAddSingleton<GuardianService>();
        services.TryAddSingleton<IngestionService>();
        services.TryAddSingleton<RunService>();
        services.TryAddSingleton<IRollbackLedger>(sp => new TableRollbackLedger(sp.GetRequiredService<StorageTables>(), sp.GetRequiredService<TimeProvider>()));
        var publicUrls = new HttpApi.PublicUrls(configuration);
        services.TryAddSingleton(publicUrls);
        services.TryAddSingleton(new ReleaseLinks(publicUrls.PublicBaseUrl));
        // Scoped: the rollback clients behind the catalog are typed HttpClients, created per scope.
        services.TryAddScoped<IReleaseActivities, ReleaseActivities>();
        services.TryAddScoped<Application.Releases.IReleasePlanActivities, Application.Releases.ReleasePlanActivities>();

        // The HTTP contract both hosts answer with. Scoped, so a host may register the use cases per invocation.
        services.TryAddSingleton<ManagementKey>();
        services.TryAddScoped<IngestionEndpoints>();
        services.TryAddScoped<GuardianEndpoints>();
        services.TryAddScoped<RunEndpoints>();
        services.TryAddScoped<NotificationEndpoints>();
        services.TryAddScoped<TrainingEndpoints>();
        services.TryAddScoped<ReleaseEndpoints>();
        return services;
    }

    // ASP.NET Core's "Request starting/finished" lines print the full query string, and some senders (Split) put their
    // webhook secret there. Both hosts run ASP.NET Core (the Functions worker too, with its ASP.NET Core integration),
    // so the lines are dropped below Warning here, for every logging provider, including providers configured with
    // their own levels. The Functions host's own request lines log the path only.
    private static void KeepSecretsOutOfRequestLogs(IServiceCollection services) =>
        services.PostConfigure<LoggerFilterOptions>(options =>
        {
            const string HostingDiagnostics = "Microsoft.AspNetCore.Hosting.Diagnostics";
            foreach (var provider in options.Rules.Select(r => r.ProviderName).Append(null).Distinct().ToList())
            {
                options.Rules.Add(new LoggerFilterRule(provider, HostingDiagnostics, LogLevel.Warning, filter: null));
            }
        });
}
