using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace ReleaseGuardian.Benchmarks.LoadRun;

/// <summary>The standalone server (its Release DLL) as a child process on a free loopback port.</summary>
public sealed class GuardianServerProcess : IAsyncDisposable
{
    public const string ApiKey = "bench-management-key";
    private readonly Process _process;

    private GuardianServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>CPU time the server process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static async Task<GuardianServerProcess> StartAsync(string serverDll, IReadOnlyDictionary<string, string> environment, string logFile)
    {
        var port = FlagServiceStub.FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.GetFullPath(serverDll), "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(serverDll))!,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new GuardianServerProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        using var probe = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {process.ExitCode}; see {logFile}.");
            }

            try
            {
                if ((await probe.GetAsync("healthz")).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The server did not answer /healthz within 60 s; see {logFile}.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The server's storage transaction counts (<c>Diagnostics:Enabled</c>).</summary>
    public static async Task<Dictionary<string, long>> StorageCountsAsync(HttpClient management)
    {
        var snapshot = await management.GetFromJsonAsync<JsonElement>("api/diagnostics/storage");
        return snapshot.GetProperty("counts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
