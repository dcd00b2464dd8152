using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Support;

/// <summary>
/// The standalone servers of one test class (an xUnit class fixture): each is started on first use, one per distinct
/// settings, and stopped when the class is done. A server with its engine costs about a second to start and stop (on
/// stop the engine releases its partition lease, which DTFx confirms a second later), so tests that cannot see each
/// other's data share one: they use their own guardian ids, or store nothing (refusals). Each server still has its
/// own storage prefix and task hub, apart from every other class. Tests that assert on everything a server stored (a
/// whole ledger, every flag-service request) start their own <see cref="Scenario"/> instead.
/// </summary>
public sealed class SharedServers : IAsyncLifetime
{
    private readonly Dictionary<string, Task<Scenario>> _scenarios = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GuardianServer> _servers = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>A folder that lives as long as the class's servers (e.g. <c>FlagFiles:Root</c>).</summary>
    public string Folder { get; } = Directory.CreateTempSubdirectory("rg-shared-").FullName;

    /// <summary>The class's <see cref="Scenario"/> with these settings (LaunchDarkly stand-in answering 200).</summary>
    public Task<Scenario> ScenarioAsync(AzuriteFixture azurite, IDictionary<string, string?>? settings = null)
    {
        lock (_lock)
        {
            var key = Key(settings);
            if (!_scenarios.TryGetValue(key, out var scenario))
            {
                scenario = Scenario.StartAsync(azurite, settings: settings);
                _scenarios[key] = scenario;
            }

            return scenario;
        }
    }

    /// <summary>The class's bare <see cref="GuardianServer"/> with these settings.</summary>
    public GuardianServer Server(AzuriteFixture azurite, IDictionary<string, string?>? settings = null)
    {
        lock (_lock)
        {
            var key = Key(settings);
            if (!_servers.TryGetValue(key, out var server))
            {
                server = GuardianServer.Start(azurite, settings);
                _servers[key] = server;
            }

            return server;
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // Stopped together: each engine's one-second lease release runs beside the others'.
        await Task.WhenAll(
            _scenarios.Values.Select(async scenario => await (await scenario).DisposeAsync())
                .Concat(_servers.Values.Select(async server => await server.DisposeAsync())));
        Directory.Delete(Folder, recursive: true);
    }

    private static string Key(IDictionary<string, string?>? settings) =>
        settings is null ? "" : string.Join("\n", settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}"));

    /// <summary>A guardian id no other test of a shared server uses.</summary>
    public static string GuardianId(string prefix = "checkout") => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 11)];
}
