using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ReleaseGuardian.Demo.Emulation;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c> package; eng/prometheus.sh installs it) as the demo and the tests run
/// it: a throwaway data folder, a free loopback port, one scrape job every second, stopped with its process tree.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Process _process;
    private readonly string _dataFolder;

    private PrometheusServer(Process process, Uri baseAddress, string dataFolder)
    {
        _process = process;
        BaseAddress = baseAddress;
        _dataFolder = dataFolder;
    }

    /// <summary>Where Prometheus answers, e.g. http://127.0.0.1:40123/.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The <c>prometheus</c> executable on PATH, or null when Prometheus is not installed.</summary>
    public static string? FindExecutable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "prometheus"))
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// Starts Prometheus scraping <paramref name="target"/> (a <c>/metrics</c> URL) every second as job <paramref name="job"/>,
    /// keeping its data in <paramref name="dataFolder"/> (created; deleted on dispose), and waits until it is ready.
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(string executable, string dataFolder, string job, Uri target, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(dataFolder);
        var config = Path.Combine(dataFolder, "prometheus.yml");
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: "{job}"
                scrape_interval: 1s
                metrics_path: "{target.AbsolutePath}"
                static_configs:
                  - targets: ["{target.Authority}"]
            """), cancellationToken);
        var port = AzuriteEmulator.FreePort();
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataFolder,
        };
        foreach (var argument in new[]
                 {
                     $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(dataFolder, "data")}",
                     $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start");
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { log.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { log.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, new Uri($"http://127.0.0.1:{port}/"), dataFolder);
        // Prometheus is ready in a second on an idle machine; a busy one gets far longer.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Prometheus exited with {process.ExitCode}: {string.Join(Environment.NewLine, log)}");
            }

            try
            {
                using var ready = await Http.GetAsync(new Uri(server.BaseAddress, "-/ready"), cancellationToken);
                if (ready.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new TimeoutException($"Prometheus was not ready within 2 minutes: {string.Join(Environment.NewLine, log)}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>The single value of an instant query at <paramref name="time"/>; fails when there is not exactly one.</summary>
    public async Task<double> QueryAsync(string query, DateTimeOffset time, CancellationToken cancellationToken = default)
    {
        var uri = new Uri(BaseAddress, $"api/v1/query?query={Uri.EscapeDataString(query)}&time={(time.ToUnixTimeMilliseconds() / 1000m).ToString("0.###", CultureInfo.InvariantCulture)}");
        using var document = JsonDocument.Parse(await Http.GetStringAsync(uri, cancellationToken));
        var result = document.RootElement.GetProperty("data").GetProperty("result");
        if (result.ValueKind != JsonValueKind.Array || result.GetArrayLength() != 1)
        {
            throw new InvalidOperationException($"'{query}' answered {result.GetRawText()}");
        }

        return double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>Stops Prometheus and deletes its data.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temp cleanup.
        }
    }
}
