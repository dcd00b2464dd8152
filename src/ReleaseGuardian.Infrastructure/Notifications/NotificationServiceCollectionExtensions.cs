using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Infrastructure.Outbound;

namespace ReleaseGuardian.Infrastructure.Notifications;

/// <summary>Registers the notification senders, their resilient HttpClient and the dispatcher.</summary>
public static class NotificationServiceCollectionExtensions
{
    /// <summary>
    /// Adds the webhook, slack, teams and cloudevents senders and <see cref="NotificationDispatcher"/>.
    /// Binds <c>Notifications</c> (<see cref="NotificationOptions"/>). Deliveries retry on 5xx, 408, 429 and
    /// transport errors with exponential backoff from <c>Notifications:RetryBaseDelayMs</c>.
    /// </summary>
    public static IServiceCollection AddNotificationSenders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.Section));
        services.TryAddTransient<AttemptCountingHandler>();

        services.AddOutboundPolicy(configuration);
        services.AddHttpClient(NotificationPoster.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .UseOutboundPolicy()
            // The default HttpClient logging writes request URIs, and Slack/Teams webhook URLs are secrets.
            .RemoveAllLoggers()
            // No circuit breaker: one client serves every target, and one dead target must not cut off the others.
            .AddResilienceHandler("notify", static (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<NotificationOptions>>().Value;
                pipeline
                    .AddTimeout(TimeSpan.FromSeconds(Math.Max(0.1, options.TotalTimeoutSeconds)))
                    .AddRetry(new HttpRetryStrategyOptions
                    {
                        ShouldHandle = args => ValueTask.FromResult(OutboundPolicy.IsTransient(args.Outcome)),
                        MaxRetryAttempts = Math.Max(0, options.MaxRetries),
                        Delay = TimeSpan.FromMilliseconds(Math.Max(0, options.RetryBaseDelayMs)),
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        MaxDelay = TimeSpan.FromSeconds(30),
                    })
                    .AddTimeout(TimeSpan.FromSeconds(Math.Max(0.1, options.AttemptTimeoutSeconds)));
            })
            .Services.AddHttpClient(NotificationPoster.HttpClientName).AddHttpMessageHandler<AttemptCountingHandler>();

        services.TryAddSingleton<NotificationPoster>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INotificationSender, WebhookNotificationSender>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INotificationSender, SlackNotificationSender>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INotificationSender, TeamsNotificationSender>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INotificationSender, CloudEventsNotificationSender>());
        services.TryAddSingleton(sp => new NotificationDispatcher(sp.GetServices<INotificationSender>(), sp.GetService<TimeProvider>()));
        return services;
    }
}
