using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ReleaseGuardian.Demo.Emulation;

/// <summary>
/// Azurite, the Azure Storage emulator, as the demo and the tests run it (the same way eng/azurite.sh does):
/// installed from npm into <c>eng/tools</c> on first use, started on free loopback ports with in-memory
/// persistence, and stopped with its whole process tree.
/// </summary>
public sealed class AzuriteEmulator : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account key.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>The ports an Azurite started by hand listens on (blob, queue, table).</summary>
    public static readonly (int Blob, int Queue, int Table) DefaultPorts = (10000, 10001, 10002);

    private readonly Process _process;

    private AzuriteEmulator(Process process, string connectionString)
    {
        _process = process;
        ConnectionString = connectionString;
    }

    /// <summary>The connection string of this Azurite.</summary>
    public string ConnectionString { get; }

    /// <summary>The Azurite process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>The connection string for Azurite on the given loopback ports.</summary>
    public static string BuildConnectionString(int blobPort, int queuePort, int tablePort) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        $"AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";

    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The repository's top folder (the one with Functions.sln) above <paramref name="start"/>, or null.</summary>
    public static string? FindRepositoryRoot(string start)
    {
        var dir = new DirectoryInfo(start);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName;
    }

    /// <summary>Where the repository's npm install puts the azurite launcher.</summary>
    public static string ExecutablePath(string repositoryRoot) =>
        Path.Combine(repositoryRoot, "eng", "tools", "node_modules", ".bin", "azurite");

    /// <summary>True when something accepts connections on all the given loopback ports.</summary>
    public static async Task<bool> IsReachableAsync(int blobPort, int queuePort, int tablePort, CancellationToken cancellationToken = default)
    {
        foreach (var port in new[] { blobPort, queuePort, tablePort })
        {
            try
            {
                using var client = new TcpClient();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromMilliseconds(500));
                await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Installs Azurite with <c>npm ci</c> in <c>eng/tools</c> (the pinned package-lock.json) unless it is there
    /// already; returns the launcher's path. npm's output goes to <paramref name="log"/>.
    /// </summary>
    public static async Task<string> InstallAsync(string repositoryRoot, TextWriter? log = null, CancellationToken cancellationToken = default)
    {
        var executable = ExecutablePath(repositoryRoot);
        if (File.Exists(executable))
        {
            return executable;
        }

        var info = new ProcessStartInfo("npm")
        {
            WorkingDirectory = Path.Combine(repositoryRoot, "eng", "tools"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" })
        {
            info.ArgumentList.Add(arg);
        }

        Process npm;
        try
        {
            npm = Process.Start(info) ?? throw new InvalidOperationException("npm did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Azurite is not installed and npm could not be started ({e.Message}); install Node.js 20 with npm.", e);
        }

        using (npm)
        {
            var output = npm.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = npm.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await npm.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                npm.Kill(entireProcessTree: true);
                throw;
            }

            log?.Write(await output);
            log?.Write(await error);
            if (npm.ExitCode != 0 || !File.Exists(executable))
            {
                throw new InvalidOperationException($"'npm ci' in eng/tools failed with exit code {npm.ExitCode}: {(await error).Trim()}");
            }
        }

        return executable;
    }

    /// <summary>Starts Azurite on three free loopback ports, in memory, and waits until all three accept connections.</summary>
    /// <param name="executable">The azurite launcher (see <see cref="InstallAsync"/>).</param>
    /// <param name="logFile">Where Azurite's own output goes; null discards it.</param>
    /// <param name="cancellationToken">Stops waiting (and the process).</param>
    public static async Task<AzuriteEmulator> StartAsync(string executable, string? logFile = null, CancellationToken cancellationToken = default)
    {
        int blob = FreePort(), queue = FreePort(), table = FreePort();
        while (queue == blob)
        {
            queue = FreePort();
        }

        while (table == blob || table == queue)
        {
            table = FreePort();
        }

        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--loose",
            "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(),
            "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", table.ToString(),
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Azurite did not start.");
        var emulator = new AzuriteEmulator(process, BuildConnectionString(blob, queue, table));
        var log = logFile is null ? null : new StreamWriter(logFile, append: false) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Exited += (_, _) => log?.Dispose();
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!await IsReachableAsync(blob, queue, table, cancellationToken))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"Azurite exited with code {process.ExitCode} while starting{(logFile is null ? "" : "; see " + logFile)}.");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Azurite did not listen on 127.0.0.1:{blob},{queue},{table} within 30 s.");
                }

                await Task.Delay(100, cancellationToken);
            }
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }

        return emulator;
    }

    /// <summary>Stops Azurite and every process it started.</summary>
    public ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private static void Write(StreamWriter? log, string? line)
    {
        if (log is null || line is null)
        {
            return;
        }

        try
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
