using ReleaseGuardian.Server.Apis;
using ReleaseGuardian.Server.Composition;

var builder = WebApplication.CreateBuilder(args);
builder.AddGuardianServer();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapHealthApi();
app.MapIngestionApi();
app.MapGuardiansApi();
app.MapRunsApi();
app.MapNotificationsApi();
app.MapOrchestrationStatusApi();
app.MapDiagnosticsApi(app.Configuration);
app.Run();

/// <summary>The standalone host's entry point (public for the integration tests' WebApplicationFactory).</summary>
public partial class Program;
