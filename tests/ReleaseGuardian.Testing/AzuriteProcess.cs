using System.Diagnostics;
using ReleaseGuardian.Demo.Emulation;

namespace ReleaseGuardian.Testing;

/// <summary>
/// One Azurite process from <c>eng/tools/node_modules</c> on fixed loopback ports, which a test can stop and
/// start again on the same ports (a storage outage). With a <see cref="Location"/> and no in-memory persistence
/// its data survives a restart. (<see cref="AzuriteEmulator"/>, which the fixture and the demo use, starts once on
/// ports of its own choosing and cannot come back on the same ones.)
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private Process? _process;

    private AzuriteProcess(int blobPort, int queuePort, int tablePort, string? location)
    {
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
        Location = location;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    /// <summary>The folder Azurite persists to, or null for in-memory persistence (lost on stop).</summary>
    public string? Location { get; }

    /// <summary>Connection string for this Azurite.</summary>
    public string ConnectionString => AzuriteFixture.BuildConnectionString(BlobPort, QueuePort, TablePort);

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The Azurite executable the tests use.</summary>
    public static string Executable
    {
        get
        {
            var azurite = AzuriteEmulator.ExecutablePath(AzuriteFixture.RepositoryRoot());
            if (!File.Exists(azurite))
            {
                throw new InvalidOperationException($"Azurite is not installed at {azurite}; run eng/test.sh once, which installs it.");
            }

            return azurite;
        }
    }

    /// <summary>
    /// Starts Azurite on free ports. <paramref name="persistent"/> keeps data in a fresh temporary folder, so a
    /// <see cref="StopAsync"/> and <see cref="StartAsync()"/> lose nothing; otherwise data lives in memory.
    /// </summary>
    public static async Task<AzuriteProcess> StartAsync(bool persistent = false)
    {
        int blob = AzuriteFixture.FreePort(), queue = AzuriteFixture.FreePort(), table = AzuriteFixture.FreePort();
        while (queue == blob)
        {
            queue = AzuriteFixture.FreePort();
        }

        while (table == blob || table == queue)
        {
            table = AzuriteFixture.FreePort();
        }

        string? location = null;
        if (persistent)
        {
            location = Path.Combine(Path.GetTempPath(), "azurite-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(location);
        }

        var azurite = new AzuriteProcess(blob, queue, table, location);
        await azurite.StartAsync();
        return azurite;
    }

    /// <summary>(Re)starts the process on this instance's ports and waits until all three accept connections.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            return;
        }

        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var args = new List<string> { "--silent", "--skipApiVersionCheck", "--loose" };
        if (Location is null)
        {
            args.Add("--inMemoryPersistence");
        }
        else
        {
            args.AddRange(["--location", Location]);
        }

        args.AddRange([
            "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(),
            "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(),
        ]);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Azurite did not start.");
        // Drain the pipes so a chatty Azurite never blocks on a full buffer.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitForPortsAsync(process, BlobPort, QueuePort, TablePort);
    }

    /// <summary>
    /// Stops the process: storage goes away for every client at once. By default Azurite is asked to shut down
    /// (SIGTERM), which flushes its persisted data, as a real outage never loses committed data; <paramref name="kill"/>
    /// kills it outright instead (writes of the last seconds may be lost).
    /// </summary>
    public async Task StopAsync(bool kill = false)
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            if (!kill && !OperatingSystem.IsWindows())
            {
                using var term = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
                await term.WaitForExitAsync();
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await _process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    // It did not stop in time; kill it below.
                }
            }

            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(kill: true);
        if (Location is not null)
        {
            try
            {
                Directory.Delete(Location, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind harms nothing.
            }
        }
    }

    private static async Task WaitForPortsAsync(Process process, int blob, int queue, int table)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await AzuriteEmulator.IsReachableAsync(blob, queue, table))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {process.ExitCode} while starting.");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Azurite did not listen on 127.0.0.1:{blob},{queue},{table} within 30 s.");
            }

            await Task.Delay(100);
        }
    }
}
