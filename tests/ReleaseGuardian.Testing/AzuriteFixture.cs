using Azure.Data.Tables;
using Azure.Storage.Queues;
using ReleaseGuardian.Demo.Emulation;
using Xunit;

namespace ReleaseGuardian.Testing;

/// <summary>
/// A real Azurite for the tests. The test command starts one and hands its connection string over in
/// <c>RELEASEGUARDIAN_TEST_STORAGE</c>; when a test runs outside it (an IDE), the fixture starts its own
/// from <c>eng/tools/node_modules</c> on free loopback ports and stops it afterwards, with the same
/// <see cref="AzuriteEmulator"/> the demo uses.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>The variable eng/test.sh sets.</summary>
    public const string ConnectionStringVariable = "RELEASEGUARDIAN_TEST_STORAGE";

    private AzuriteEmulator? _ownAzurite;

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

        var azurite = AzuriteEmulator.ExecutablePath(RepositoryRoot());
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException(
                $"{ConnectionStringVariable} is not set and Azurite is not installed at {azurite}. Run the tests with eng/test.sh, which installs and starts it.");
        }

        _ownAzurite = await AzuriteEmulator.StartAsync(azurite);
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
        AzuriteEmulator.BuildConnectionString(blobPort, queuePort, tablePort);

    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int FreePort() => AzuriteEmulator.FreePort();

    /// <summary>The repository's top folder, found from the test assembly's location.</summary>
    public static string RepositoryRoot() =>
        AzuriteEmulator.FindRepositoryRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("Functions.sln not found above " + AppContext.BaseDirectory);
}
