using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Demo.Checkout;
using ReleaseGuardian.Demo.Emulation;
using ReleaseGuardian.Demo.LoadGeneration;
using ReleaseGuardian.Demo.Scenario;
using ReleaseGuardian.Server.Composition;
using ReleaseGuardian.Server.Dashboard;

namespace ReleaseGuardian.Cli.Demo;

/// <summary>Options of one demo run.</summary>
public sealed record DemoHostOptions
{
    /// <summary>Storage to use instead of finding or starting Azurite (the tests pass theirs).</summary>
    public string? StorageConnectionString { get; init; }

    /// <summary>Where the flag file, the Azurite log and the report go; default a fresh folder under the temp folder.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Each load test's rate (default 40 requests/s).</summary>
    public int RequestsPerSecond { get; init; } = 40;

    /// <summary>Each load test's duration (default 4 s).</summary>
    public TimeSpan LoadDuration { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Wraps the load generator's HTTP handler; the tests put a busy machine's queueing in front of every request
    /// to show the verdicts do not depend on it.
    /// </summary>
    public Func<HttpMessageHandler, HttpMessageHandler>? WrapLoadHandler { get; init; }

    /// <summary>Where the guardian's signals come from: <c>loadtest</c> (default) or <c>prometheus</c>, a real Prometheus
    /// (Debian's <c>prometheus</c>, found on PATH) that scrapes the checkout service.</summary>
    public string Metrics { get; init; } = "loadtest";

    /// <summary>
    /// Tell the progressive story (<c>guardian demo --progressive</c>): release the flag 10% → 50% → 100% through the
    /// release API, caught at 10%, then a fixed build that completes.
    /// </summary>
    public bool Progressive { get; init; }

    /// <summary>Runs after the report is written and before anything is stopped (the browser test opens the dashboard here).</summary>
    public Func<DemoSession, CancellationToken, Task>? BeforeShutdown { get; init; }
}

/// <summary>What a finished demo leaves behind, while its server still runs.</summary>
/// <param name="ServerAddress">The in-process Release Guardian server (dashboard at <c>/</c>).</param>
/// <param name="ApiKey">Its management API key.</param>
/// <param name="Outcome">How the story went.</param>
/// <param name="ReportPath">The self-contained HTML report.</param>
/// <param name="FlagFile">The flagd flag file.</param>
public sealed record DemoSession(Uri ServerAddress, string ApiKey, DemoOutcome Outcome, string ReportPath, string FlagFile);

/// <summary>
/// Starts everything the demo needs and stops all of it again, also when cancelled (Ctrl+C): Azurite (one
/// already listening on 127.0.0.1:10000-10002 is reused; otherwise it is installed from npm on first use and
/// started on free ports, in memory), the Release Guardian server in-process on a free loopback port, the
/// checkout service, and with <c>--metrics prometheus</c> a real Prometheus scraping it; registers the demo's built-in load generator as the server's <c>builtin</c> load-test launcher; then it tells the story (<see cref="DemoScenario"/>) and saves the dashboard as a
/// self-contained HTML report.
/// </summary>
public static class DemoHost
{
    /// <summary>Runs the demo; <paramref name="progress"/> hears every step.</summary>
    public static async Task<DemoSession> RunAsync(DemoHostOptions options, IDemoProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "release-guardian-demo", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss") + "-" + Environment.ProcessId);
        Directory.CreateDirectory(work);
        var flagFile = Path.Combine(work, "flags.json");
        var withPrometheus = string.Equals(options.Metrics, "prometheus", StringComparison.Ordinal);
        var prometheusExecutable = withPrometheus
            ? PrometheusServer.FindExecutable() ?? throw new InvalidOperationException(
                "--metrics prometheus needs a real Prometheus and none is installed (no 'prometheus' on PATH). Install it " +
                "(Debian: sudo apt-get install prometheus; eng/test.sh does it too), or run the demo without --metrics prometheus.")
            : null;
        var settings = new DemoSettings
        {
            FlagFile = flagFile,
            Load = new(options.RequestsPerSecond, options.LoadDuration),
        };

        AzuriteEmulator? azurite = null;
        PrometheusServer? prometheus = null;
        WebApplication? server = null;
        CheckoutService? checkout = null;
        BuiltInLoadTests? builtIn = null;
        HttpMessageHandler loadHandler = new SocketsHttpHandler { MaxConnectionsPerServer = 256 };
        loadHandler = options.WrapLoadHandler?.Invoke(loadHandler) ?? loadHandler;
        using var loadHttp = new HttpClient(loadHandler) { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            progress.Stage("Start Azurite, the Release Guardian server and the checkout service");
            var storage = options.StorageConnectionString;
            if (storage is null)
            {
                (storage, azurite) = await StorageAsync(work, progress, cancellationToken);
            }

            await File.WriteAllTextAsync(flagFile, FlagdFlagFile.Create(settings.FlagKey, on: false), cancellationToken);
            var checkoutOptions = new CheckoutServiceOptions { ExportPrometheus = withPrometheus };
            if (options.Progressive)
            {
                // The progressive story is told by the error rate alone: the new checkout is as fast as the old one, so no
                // verdict of it can depend on how busy the machine is.
                checkoutOptions.ExtraLatencyWhenOn = (0, 0);
            }

            checkout = await CheckoutService.StartAsync(flagFile, checkoutOptions, cancellationToken);
            progress.Note($"checkout service on {checkout.BaseAddress}, flag '{settings.FlagKey}' {checkout.Flag.VariantOrDefault} in {flagFile}");
            if (prometheusExecutable is not null)
            {
                prometheus = await PrometheusServer.StartAsync(prometheusExecutable, Path.Combine(work, "prometheus"), "checkout", checkout.MetricsUri, cancellationToken);
                settings = settings with { PrometheusUrl = prometheus.BaseAddress.ToString().TrimEnd('/') };
                progress.Note($"Prometheus ({prometheusExecutable}) on {prometheus.BaseAddress}, scraping {checkout.MetricsUri} every second");
            }

            // Training launches its runs through the built-in load generator: the server gets it as the 'builtin'
            // launcher here, in the demo's composition only.
            builtIn = new BuiltInLoadTests(loadHttp, checkout.CheckoutUri, settings.Load,
                settings.PrometheusUrl is null ? TimeSpan.Zero : DemoScenario.ScrapeSettle);
            var launcherTests = builtIn;
            server = GuardianServerApp.Create([], builder =>
            {
                builder.WebHost.UseUrls("http://127.0.0.1:0");
                builder.Logging.ClearProviders();
                builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
                builder.Configuration.AddInMemoryCollection(settings.ServerSettings(storage));
                builder.Services.AddBuiltInLoadTestLauncher(launcherTests);
                if (withPrometheus)
                {
                    builder.Services.AddSingleton<IStartupFilter, NoRequestMetrics>();
                }
            });
            await server.StartAsync(cancellationToken);
            var serverAddress = new Uri(server.Urls.First().TrimEnd('/') + "/");
            progress.Note($"Release Guardian server on {serverAddress} (storage prefix {settings.StoragePrefix})");

            using var guardianHttp = new HttpClient { BaseAddress = serverAddress, Timeout = TimeSpan.FromSeconds(30) };
            var guardian = new GuardianApiClient(guardianHttp, settings.ApiKey, settings.K6Secret, settings.EventsSecret);
            var scenario = new DemoScenario(settings, guardian, checkout, loadHttp, builtIn, progress);
            var outcome = options.Progressive ? await scenario.RunProgressiveAsync(cancellationToken) : await scenario.RunAsync(cancellationToken);

            var snapshot = await DashboardReport.CollectSnapshotAsync(guardian.GetJsonAsync, DateTimeOffset.UtcNow, cancellationToken);
            var reportPath = Path.Combine(work, "report.html");
            await File.WriteAllTextAsync(reportPath, DashboardReport.Render(snapshot), cancellationToken);
            var session = new DemoSession(serverAddress, settings.ApiKey, outcome, reportPath, flagFile);
            if (options.BeforeShutdown is { } beforeShutdown)
            {
                await beforeShutdown(session, cancellationToken);
            }

            return session;
        }
        finally
        {
            // Stopped in reverse order, each on its own, so one failure never leaves another running.
            if (builtIn is not null)
            {
                await QuietlyAsync(() => builtIn.DisposeAsync().AsTask());
            }

            if (checkout is not null)
            {
                await QuietlyAsync(() => checkout.DisposeAsync().AsTask());
            }

            if (prometheus is not null)
            {
                await QuietlyAsync(() => prometheus.DisposeAsync().AsTask());
            }

            if (server is not null)
            {
                await QuietlyAsync(async () =>
                {
                    using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await server.StopAsync(grace.Token);
                    await server.DisposeAsync();
                });
            }

            if (azurite is not null)
            {
                await QuietlyAsync(() => azurite.DisposeAsync().AsTask());
            }
        }
    }

    private static async Task<(string ConnectionString, AzuriteEmulator? Started)> StorageAsync(string work, IDemoProgress progress, CancellationToken cancellationToken)
    {
        var (blob, queue, table) = AzuriteEmulator.DefaultPorts;
        if (await AzuriteEmulator.IsReachableAsync(blob, queue, table, cancellationToken))
        {
            progress.Note($"Azurite: reusing the one listening on 127.0.0.1:{blob}-{table}");
            return (AzuriteEmulator.BuildConnectionString(blob, queue, table), null);
        }

        var root = AzuriteEmulator.FindRepositoryRoot(AppContext.BaseDirectory) ?? AzuriteEmulator.FindRepositoryRoot(Environment.CurrentDirectory)
                   ?? throw new InvalidOperationException("no Azurite is listening on 127.0.0.1:10000-10002 and the repository (Functions.sln) was not found to install one; start Azurite yourself (npx azurite --inMemoryPersistence) or run the demo from the repository");
        if (!File.Exists(AzuriteEmulator.ExecutablePath(root)))
        {
            progress.Note("Azurite: installing it from npm into eng/tools (first run only)");
        }

        var executable = await AzuriteEmulator.InstallAsync(root, null, cancellationToken);
        var azurite = await AzuriteEmulator.StartAsync(executable, Path.Combine(work, "azurite.log"), cancellationToken);
        progress.Note($"Azurite: started (process {azurite.ProcessId}, in memory, free loopback ports)");
        return (azurite.ConnectionString, azurite);
    }

    private static async Task QuietlyAsync(Func<Task> stop)
    {
        try
        {
            await stop();
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // Already stopping or stopped.
        }
    }

    /// <summary>
    /// The checkout service's Prometheus exporter listens to ASP.NET Core's <c>Microsoft.AspNetCore.Hosting</c> meter, and a
    /// meter listener hears that meter in every host of the process. The demo polls the in-process server's status route
    /// while a training load test runs, so without this those polls would count as checkout traffic (twice the
    /// requests in every training window). The server's requests are not measured at all instead.
    /// </summary>
    private sealed class NoRequestMetrics : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Features.Get<IHttpMetricsTagsFeature>() is { } metrics)
                {
                    metrics.MetricsDisabled = true;
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }

    /// <summary>
    /// The in-process server must not react to Ctrl+C itself (the console lifetime would): the demo owns the
    /// signal, finishes or cancels its story, and then stops the server in order.
    /// </summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
