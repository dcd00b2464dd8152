using ReleaseGuardian.Server.Apis;
using ReleaseGuardian.Server.Dashboard;

namespace ReleaseGuardian.Server.Composition;

/// <summary>
/// The whole standalone host as one call, so Program.cs, the <c>guardian demo</c> command and tests build the
/// same application: composition, the management and ingestion APIs, their OpenAPI description at
/// <c>/openapi/v1.json</c>, and the dashboard at <c>/</c>.
/// </summary>
public static class GuardianServerApp
{
    /// <summary>Builds the host (not yet started).</summary>
    /// <param name="args">Command-line arguments (configuration overrides such as <c>--Storage:Prefix=x</c>).</param>
    /// <param name="configure">Runs before the composition reads configuration: add settings, URLs, logging.</param>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddGuardianServer();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = DashboardAssets.Files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = DashboardAssets.Files });
        app.MapHealthApi();
        app.MapIngestionApi();
        app.MapGuardiansApi();
        app.MapRunsApi();
        app.MapTrainingApi();
        app.MapReleasesApi();
        app.MapNotificationsApi();
        app.MapOrchestrationStatusApi();
        app.MapDiagnosticsApi(app.Configuration);
        app.MapOpenApi();
        return app;
    }
}
