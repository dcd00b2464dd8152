using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ReleaseGuardian.Application.Telemetry;

namespace ReleaseGuardian.Functions.Composition;

/// <summary>
/// OpenTelemetry for the worker: the Functions worker defaults (host and worker spans correlate, host.json sets
/// <c>telemetryMode</c> OpenTelemetry), the <c>ReleaseGuardian</c> source and meter, and the exporters the settings ask for.
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
        if (!string.IsNullOrWhiteSpace(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
        {
            otel.UseAzureMonitorExporter();
        }

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }

        return builder;
    }
}
