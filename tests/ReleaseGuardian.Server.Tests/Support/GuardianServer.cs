using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Support;

/// <summary>
/// The standalone server, started for real on a free loopback port (Kestrel) against Azurite, with its own
/// table/queue prefix so tests never see each other's data.
/// </summary>
public sealed class GuardianServer : WebApplicationFactory<Program>
{
    public const string ApiKey = "test-management-key";
    private readonly string _storage;
    private readonly Dictionary<string, string?> _settings;
    private readonly CapturedLogs? _logs;
    private readonly Action<IServiceCollection>? _services;

    private GuardianServer(string storage, Dictionary<string, string?> settings, CapturedLogs? logs = null, string? prefix = null, Action<IServiceCollection>? services = null)
    {
        _storage = storage;
        _settings = settings;
        _logs = logs;
        _services = services;
        Prefix = prefix ?? AzuriteFixture.UniqueName("t");
        // UseKestrel(0) races: the factory rewrites IServerAddressesFeature after the minimal-hosting app has started
        // Kestrel on its own thread, which intermittently throws (dotnet/aspnetcore#67714). An explicit endpoint avoids it.
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>
    /// The engine as tests run it: one partition (one lease to take), short polling, and a lease that lets a
    /// restarted or second server take a dead one's partition within seconds.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> EngineSettings = new Dictionary<string, string?>
    {
        ["Workflow:Partitions"] = "1",
        ["Workflow:MaxQueuePollingInterval"] = "00:00:00.100",
        ["Workflow:LeaseInterval"] = "00:00:06",
        ["Workflow:LeaseRenewInterval"] = "00:00:02",
        ["Workflow:LeaseAcquireInterval"] = "00:00:01",
        ["Workflow:ActivityRetryInterval"] = "00:00:00.200",
    };

    /// <summary>How long the host waits for its services to stop (the production default is 30 s).</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>The storage prefix of this server's tables and queues.</summary>
    public string Prefix { get; }

    /// <summary>Starts a server with the given extra settings (e.g. webhook secrets).</summary>
    public static GuardianServer Start(AzuriteFixture azurite, IDictionary<string, string?>? settings = null)
    {
        var server = new GuardianServer(azurite.ConnectionString, new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()));
        server.StartServer();
        return server;
    }

    /// <summary>
    /// Starts a server against any storage account (e.g. an <see cref="AzuriteProcess"/> a test stops and restarts),
    /// optionally on a given storage prefix and with an extra logging provider that sees everything the host logs.
    /// </summary>
    /// <param name="services">Test-only replacements in the server's container (e.g. a token credential and a router for Azure Load Testing).</param>
    public static GuardianServer Start(string connectionString, IDictionary<string, string?>? settings = null,
        CapturedLogs? logs = null, string? prefix = null, Action<IServiceCollection>? services = null)
    {
        var server = new GuardianServer(connectionString, new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()), logs, prefix, services);
        server.StartServer();
        return server;
    }

    /// <summary>A client for the real server address, without the management key.</summary>
    public HttpClient Anonymous() => CreateClient();

    /// <summary>A client that sends the management key in x-functions-key.</summary>
    public HttpClient Management()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("x-functions-key", ApiKey);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("AzureWebJobsStorage", _storage);
        builder.UseSetting("Storage:Prefix", Prefix);
        builder.UseSetting("Guardian:ApiKey", ApiKey);
        // Flag services, Prometheus and notification targets in these tests are loopback servers.
        builder.UseSetting("Outbound:AllowPrivateNetworks", "true");
        foreach (var (key, value) in EngineSettings)
        {
            builder.UseSetting(key, value);
        }

        // Each server has a task hub of its own that no other server takes over after it stops, so a test does not
        // wait the second the engine's graceful partition-lease release takes (a test with a second server on the
        // same hub keeps the first one running).
        builder.ConfigureServices(services => services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout));

        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }

        if (_logs is not null)
        {
            builder.ConfigureLogging(logging =>
            {
                // Everything, at every level, reaches the captured provider; the other providers keep their levels.
                logging.AddProvider(_logs);
                logging.AddFilter<CapturedLogs>(null, LogLevel.Trace);
            });
        }
    }
}
