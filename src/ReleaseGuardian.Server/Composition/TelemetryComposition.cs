using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ReleaseGuardian.Application.Telemetry;
using ReleaseGuardian.Infrastructure.Telemetry;

namespace ReleaseGuardian.Server.Composition;

/// <summary>
/// OpenTelemetry traces, metrics and logs for the standalone host: over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, to
/// Application Insights when APPLICATIONINSIGHTS_CONNECTION_STRING is set (with the Entra ID credential that
/// APPLICATIONINSIGHTS_AUTHENTICATION_STRING names, as the Functions worker does); nothing when neither is.
/// </summary>
internal static class TelemetryComposition
{
    public static WebApplicationBuilder AddGuardianTelemetry(this WebApplicationBuilder builder)
    {
        // Without an exporter nobody reads the spans, yet the instrumentation would still build one per request and
        // per storage call: about 300 us of CPU per webhook in the load run (eng/bench.sh). The meters still count
        // for in-process listeners such as dotnet-counters.
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var applicationInsights = builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        if (!otlp && string.IsNullOrWhiteSpace(applicationInsights))
        {
            return builder;
        }

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

        if (!string.IsNullOrWhiteSpace(applicationInsights))
        {
            // Read before the host starts, so a malformed setting stops it here instead of losing every batch later.
            var authentication = ApplicationInsightsAuthentication.FromConfiguration(builder.Configuration);
            otel.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = applicationInsights;
                if (authentication is not null)
                {
                    options.Credential = authentication.CreateCredential();
                }
            });
        }

        if (otlp)
        {
            otel.UseOtlpExporter();
        }

        return builder;
    }
}
