using System.Net.Sockets;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Xunit;

namespace ReleaseGuardian.Testing;

/// <summary>
/// A real Azurite for the tests. The test command starts one and hands its connection string over in
/// <c>RELEASEGUARDIAN_TEST_STORAGE</c>; when a test runs outside it (an IDE), the fixture starts its own
/// from <c>eng/tools/node_modules</c> on free loopback ports and stops it afterwards.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>The variable eng/test.sh sets.</summary>
    public const string ConnectionStringVariable = "RELEASEGUARDIAN_TEST_STORAGE";

    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private AzuriteProcess? _ownAzurite;

    /// <summary>Connection string of the running Azurite.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>A name no other test uses, for tables and queues (lowercase letters and digits, starts with a letter).</summary>
    public static string UniqueName(string prefix) =>
        (prefix + Guid.NewGuid().ToString("N")[..10]).ToLowerInvariant();

    public TableServiceClient Tables() => new(ConnectionString);

    public QueueServiceClient Queues() => new(ConnectionString);

    public async Task InitializeAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            ConnectionString = fromEnvironment;
            return;
        }

        _ownAzurite = await AzuriteProcess.StartAsync();
        ConnectionString = _ownAzurite.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_ownAzurite is not null)
        {
            await _ownAzurite.DisposeAsync();
        }
    }

    /// <summary>Connection string for Azurite on the given loopback ports.</summary>
    public static string BuildConnectionString(int blobPort, int queuePort, int tablePort) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        $"AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";

    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The repository's top folder, found from the test assembly's location.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Functions.sln not found above " + AppContext.BaseDirectory);
    }
}
