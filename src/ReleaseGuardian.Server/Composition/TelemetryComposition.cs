using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ReleaseGuardian.Application.Telemetry;

namespace ReleaseGuardian.Server.Composition;

/// <summary>OpenTelemetry traces and metrics for the standalone host; OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
internal static class TelemetryComposition
{
    public static WebApplicationBuilder AddGuardianTelemetry(this WebApplicationBuilder builder)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("release-guardian"))
            .WithTracing(tracing => tracing
                .AddSource(GuardianTelemetry.Name)
                .AddAspNetCoreInstrumentation(options => options.Filter = http => http.Request.Path != "/healthz")
                .AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(GuardianTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }

        return builder;
    }
}
