using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Infrastructure.Outbound;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>Composition of the flag rollback clients.</summary>
public static class RollbackServiceCollectionExtensions
{
    /// <summary>
    /// Registers every <see cref="IFlagRollbackClient"/> (one typed HttpClient each, retried on 5xx, 408, 429
    /// and transport errors with exponential backoff per <see cref="RollbackOptions"/>) and the
    /// <see cref="IFlagRollbackClientCatalog"/>. Provider settings are read from <paramref name="configuration"/>
    /// (<c>Providers:{provider}:...</c>) at call time. The clients that also set rollout percentages are registered
    /// as <see cref="IFlagRolloutClient"/> too.
    /// </summary>
    public static IServiceCollection AddFlagRollback(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.TryAddSingleton(configuration);
        services.AddLogging();
        services.AddOptions<RollbackOptions>().Bind(configuration.GetSection(RollbackOptions.Section));
        services.AddOptions<FlagdRollbackOptions>();
        services.TryAddTransient<WriteAttemptCountingHandler>();
        services.AddOutboundPolicy(configuration);

        AddHttpClient<LaunchDarklyRollbackClient>(services);
        AddHttpClient<UnleashRollbackClient>(services);
        AddHttpClient<FlagsmithRollbackClient>(services);
        AddHttpClient<ConfigCatRollbackClient>(services);
        AddHttpClient<GrowthBookRollbackClient>(services);
        AddHttpClient<SplitRollbackClient>(services);
        AddHttpClient<AzureAppConfigRollbackClient>(services);
        AddHttpClient<GoFeatureFlagRollbackClient>(services);
        AddHttpClient<HttpHookRollbackClient>(services);
        services.TryAddTransient<FlagdRollbackClient>();
        services.AddTransient<IFlagRollbackClient>(sp => sp.GetRequiredService<FlagdRollbackClient>());

        // Release rollouts: one IFlagRolloutClient per provider, next to its rollback client.
        services.TryAddTransient<FlagdRolloutClient>();
        services.AddTransient<IFlagRolloutClient>(sp => sp.GetRequiredService<FlagdRolloutClient>());

        services.TryAddTransient<IFlagRollbackClientCatalog, FlagRollbackClients>();
        return services;
    }

    private static void AddHttpClient<TClient>(IServiceCollection services)
        where TClient : class, IFlagRollbackClient
    {
        var client = services.AddHttpClient<TClient>((sp, http) =>
            http.Timeout = TimeSpan.FromSeconds(Math.Max(1, sp.GetRequiredService<IOptions<RollbackOptions>>().Value.TimeoutSeconds)))
            .UseOutboundPolicy();

        // Order matters: the retry handler is outermost, the counter inside it sees every attempt.
        client.AddResilienceHandler("rollback-retry", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<RollbackOptions>>().Value;
                if (options.MaxAttempts <= 1)
                {
                    // One attempt means no retry strategy at all: Polly refuses a retry of zero attempts.
                    return;
                }

                var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TClient));
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    // Transient = 5xx, 408, 429 and transport errors; other 4xx are the caller's fault and final, and
                    // so is a refusal by the outbound policy.
                    ShouldHandle = args => ValueTask.FromResult(OutboundPolicy.IsTransient(args.Outcome)),
                    MaxRetryAttempts = options.MaxAttempts - 1,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(Math.Max(0, options.RetryBaseDelayMs)),
                    MaxDelay = TimeSpan.FromSeconds(30),
                    OnRetry = args =>
                    {
                        var request = args.Outcome.Result?.RequestMessage;
                        RollbackLog.Retrying(
                            logger,
                            request?.Method.Method ?? "?",
                            request?.RequestUri?.AbsolutePath ?? "?",
                            args.Outcome.Result is { } response ? $"HTTP {(int)response.StatusCode}" : args.Outcome.Exception?.GetType().Name ?? "?",
                            args.AttemptNumber + 1,
                            args.RetryDelay.TotalMilliseconds);
                        return default;
                    },
                });
            });
        client.AddHttpMessageHandler<WriteAttemptCountingHandler>();
        services.AddTransient<IFlagRollbackClient>(sp => sp.GetRequiredService<TClient>());

        // A provider's rollout client is its rollback client: same settings, auth, retries and outbound policy.
        if (typeof(IFlagRolloutClient).IsAssignableFrom(typeof(TClient)))
        {
            services.AddTransient(sp => (IFlagRolloutClient)sp.GetRequiredService<TClient>());
        }
    }
}
