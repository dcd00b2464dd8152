using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Infrastructure.Rollback;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

/// <summary>The composition the hosts use (AddFlagRollback), with an in-memory configuration and fast retries.</summary>
internal static class RollbackTestHost
{
    public static ServiceProvider Build(IDictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var all = new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase);
        all.TryAdd("Rollback:RetryBaseDelayMs", "10");
        // The flag services here are loopback servers, which the outbound policy refuses by default.
        all.TryAdd("Outbound:AllowPrivateNetworks", "true");
        // The flag-file tests write under temporary folders; the confinement tests set their own, narrower root.
        all.TryAdd("FlagFiles:Root", Path.GetTempPath());
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        var services = new ServiceCollection();
        services.AddFlagRollback(configuration);
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    public static IFlagRollbackClient Client(ServiceProvider services, string provider) =>
        services.GetRequiredService<IFlagRollbackClientCatalog>().Find(provider)
        ?? throw new InvalidOperationException($"no client for {provider}");

    public static IFlagRolloutClient Rollout(ServiceProvider services, string provider) =>
        services.GetServices<IFlagRolloutClient>().SingleOrDefault(c => string.Equals(c.Provider, provider, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidOperationException($"no rollout client for {provider}");

    public static FlagBinding Binding(string provider, string key, IReadOnlyDictionary<string, string>? settings = null, string? project = null, string? environment = null) =>
        new(provider, key, project, environment) { Settings = settings ?? new Dictionary<string, string>() };

    public static RollbackPlan Plan(
        string provider,
        string key,
        FlagState restoreTo,
        string? project = null,
        string? environment = null,
        IReadOnlyDictionary<string, string>? refs = null,
        IReadOnlyDictionary<string, string>? settings = null) =>
        new(
            "checkout",
            "run-6",
            new FlagBinding(provider, key, project, environment) { Settings = settings ?? new Dictionary<string, string>() },
            new FlagChange(provider, key, project, environment, restoreTo, new FlagState(!(restoreTo.Enabled ?? false)), "ada@example.org",
                new DateTimeOffset(2026, 11, 24, 9, 58, 0, TimeSpan.Zero), "chg-1")
            {
                ProviderRefs = refs ?? new Dictionary<string, string>(),
            },
            restoreTo,
            "No-Go: error rate 0.12 > 0.015");

    /// <summary>A server answering with the given statuses in turn (the last one repeats), each with <paramref name="body"/>.</summary>
    public static Task<LoopbackServer> ServerAnswering(string body, params int[] statuses)
    {
        var next = 0;
        return LoopbackServer.StartAsync(async (_, context) =>
        {
            var index = Math.Min(Interlocked.Increment(ref next) - 1, statuses.Length - 1);
            context.Response.StatusCode = statuses[index];
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body);
        });
    }

    public static JsonElement Json(RecordedRequest request) => JsonDocument.Parse(request.Body).RootElement;

    public static string BaseUrl(LoopbackServer server) => server.BaseAddress.AbsoluteUri.TrimEnd('/');
}
