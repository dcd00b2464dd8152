using Azure.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Metrics;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Metrics;

namespace ReleaseGuardian.Infrastructure.Tests.Metrics;

/// <summary>Guardians, windows and a composed container for the metrics-source tests.</summary>
internal static class MetricsTestSupport
{
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset End = new(2026, 11, 24, 10, 1, 0, TimeSpan.Zero);

    /// <summary>2026-11-24T10:01:00Z in Unix seconds.</summary>
    public const string EndUnix = "1795514460";

    public static GuardianDefinition Guardian(MetricsSourceSpec metrics, params string[] signals) =>
        new(
            "checkout",
            "Checkout service",
            "checkout",
            new FlagBinding("launchdarkly", "new-checkout"),
            metrics,
            TrainingSettings.Default,
            signals.Select(s => new Objective(s, s, Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.Static, Failure: 1))).ToList(),
            GuardianPolicy.Default);

    public static MetricsRequest Request(GuardianDefinition guardian, IReadOnlyDictionary<string, double>? loadTestSignals = null) =>
        MetricsRequest.For(guardian, Start, End, loadTestSignals);

    public static ServiceProvider Services(IDictionary<string, string?>? settings = null, TokenCredential? credential = null)
    {
        // The metrics servers here are loopback servers, which the outbound policy refuses by default.
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>(), StringComparer.OrdinalIgnoreCase);
        all.TryAdd("Outbound:AllowPrivateNetworks", "true");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        var services = new ServiceCollection().AddLogging();
        if (credential is not null)
        {
            services.AddSingleton(credential);
        }

        return services.AddMetricsSources(configuration).BuildServiceProvider();
    }

    public static Task<SignalMeasurement> MeasureAsync(ServiceProvider services, MetricsRequest request) =>
        services.GetRequiredService<MetricsSourceCatalog>().MeasureAsync(request, CancellationToken.None);

    public static async Task Json(HttpContext context, string body, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    }

    /// <summary>A server that never answers (until the client gives up or 20 s pass).</summary>
    public static async Task Hang(HttpContext context)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(20), context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>A fixed bearer token, and the scopes it was asked for.</summary>
internal sealed class FixedTokenCredential(string token) : TokenCredential
{
    private readonly List<string> _scopes = [];

    public IReadOnlyList<string> Scopes
    {
        get
        {
            lock (_scopes)
            {
                return _scopes.ToList();
            }
        }
    }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        lock (_scopes)
        {
            _scopes.AddRange(requestContext.Scopes);
        }

        return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
