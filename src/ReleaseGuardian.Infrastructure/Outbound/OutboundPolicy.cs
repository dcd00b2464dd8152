using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace ReleaseGuardian.Infrastructure.Outbound;

/// <summary>
/// One outbound policy for every HttpClient (metrics sources, notifications, rollback clients, and any later
/// client such as a load-test launcher): register it with <see cref="AddOutboundPolicy"/> and put it under a client
/// with <see cref="UseOutboundPolicy"/>. Both hosts compose through AddReleaseGuardian, so both get it.
/// </summary>
public static class OutboundPolicy
{
    /// <summary>Binds <c>Outbound</c> (<see cref="OutboundOptions"/>); safe to call more than once.</summary>
    public static IServiceCollection AddOutboundPolicy(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!services.Any(d => d.ServiceType == typeof(OutboundPolicyMarker)))
        {
            services.AddSingleton<OutboundPolicyMarker>();
            services.AddOptions<OutboundOptions>().Bind(configuration.GetSection(OutboundOptions.Section));
        }

        services.AddLogging();
        return services;
    }

    /// <summary>Makes the outbound policy the client's primary handler and caps its buffer at the answer cap.</summary>
    public static IHttpClientBuilder UseOutboundPolicy(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder
            .ConfigurePrimaryHttpMessageHandler(sp => new OutboundPolicyHandler(
                sp.GetRequiredService<IOptionsMonitor<OutboundOptions>>(), sp.GetRequiredService<ILogger<OutboundPolicyHandler>>()))
            .ConfigureHttpClient((sp, client) =>
                client.MaxResponseContentBufferSize = Math.Min(int.MaxValue, sp.GetRequiredService<IOptionsMonitor<OutboundOptions>>().CurrentValue.EffectiveMaxResponseBytes));
    }

    /// <summary>
    /// True for an outcome worth retrying: transient (5xx, 408, 429, transport) and not a policy refusal, which
    /// would be refused again.
    /// </summary>
    public static bool IsTransient(Outcome<HttpResponseMessage> outcome) =>
        Microsoft.Extensions.Http.Resilience.HttpClientResiliencePredicates.IsTransient(outcome) &&
        OutboundRefusedException.Find(outcome.Exception) is null;

    /// <summary>
    /// A failure described for a verdict or an outcome: the policy's own reason when it refused, otherwise a
    /// fixed phrase. Remote addresses, ports and transport details stay in the log.
    /// </summary>
    public static string Describe(Exception exception) =>
        OutboundRefusedException.Find(exception)?.Message ?? "the request failed (no usable answer; details are in the server log)";

    private sealed class OutboundPolicyMarker;
}
