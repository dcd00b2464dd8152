using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ReleaseGuardian.Application.Telemetry;
using ReleaseGuardian.Infrastructure.Telemetry;

namespace ReleaseGuardian.Functions.Composition;

/// <summary>
/// OpenTelemetry for the worker: the Functions worker defaults (host and worker spans correlate, host.json sets
/// <c>telemetryMode</c> OpenTelemetry), the <c>ReleaseGuardian</c> source and meter, and the exporters the settings ask for,
/// Azure Monitor with the Entra ID credential that <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> names.
/// </summary>
internal static class TelemetryComposition
{
    public static FunctionsApplicationBuilder AddGuardianTelemetry(this FunctionsApplicationBuilder builder)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .ConfigureResource(resource => resource.AddService("release-guardian"))
            .WithTracing(tracing => tracing.AddSource(GuardianTelemetry.Name).AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics.AddMeter(GuardianTelemetry.Name).AddHttpClientInstrumentation());

        // The exporter reads APPLICATIONINSIGHTS_CONNECTION_STRING itself; the OTLP exporter reads OTEL_EXPORTER_OTLP_*.
        // APPLICATIONINSIGHTS_AUTHENTICATION_STRING it does not read: with Entra ID ingestion (local auth off, the infra's
        // default) it needs the managed identity's credential, or every batch is refused. And since the worker exports, the
        // host drops the worker's Function.* log lines, so nothing of the app would reach Application Insights.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
        {
            var authentication = ApplicationInsightsAuthentication.FromConfiguration(builder.Configuration);
            otel.UseAzureMonitorExporter(options =>
            {
                if (authentication is not null)
                {
                    options.Credential = authentication.CreateCredential();
                }
            });
        }

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }

        return builder;
    }
}
