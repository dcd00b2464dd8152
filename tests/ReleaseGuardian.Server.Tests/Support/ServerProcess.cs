using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Support;

/// <summary>
/// The standalone server as a real child process (<c>dotnet ReleaseGuardian.Server.dll</c>, copied next to the tests by
/// the project reference), so a test can kill it hard mid-run and start another on the same storage.
/// Settings go in as environment variables (<c>Workflow__VisibilityTimeout</c>); its console output is kept.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    /// <summary>Everything the process wrote to stdout and stderr so far, line by line.</summary>
    public IReadOnlyList<string> Output => _output.ToArray();

    /// <summary>Starts the server on a free loopback port with <paramref name="settings"/> (configuration keys, ':' allowed) and waits for /healthz.</summary>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var port = AzuriteFixture.FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ReleaseGuardian.Server.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment.Remove(AzuriteFixture.ConnectionStringVariable);
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var server = new ServerProcess(Process.Start(info) ?? throw new InvalidOperationException("the server did not start"), new Uri($"http://127.0.0.1:{port}/"));
        using var probe = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(server._process.HasExited, "the server exited:\n" + string.Join("\n", server.Output));
            try
            {
                using var health = await probe.GetAsync("/healthz");
                if (health.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(DateTime.UtcNow < deadline, "the server did not become healthy:\n" + string.Join("\n", server.Output));
            await Task.Delay(100);
        }
    }

    /// <summary>A client that sends the management key <paramref name="apiKey"/>.</summary>
    public HttpClient Management(string apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Add("x-functions-key", apiKey);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>Kills the process outright (no shutdown, no flush), as a crash or an OOM kill would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
