using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ReleaseGuardian.Functions.Composition;

namespace ReleaseGuardian.Functions.Tests.Composition;

/// <summary>
/// The worker exports its own telemetry, so the host drops its Function.* log lines: with Entra ID ingestion (the infra's
/// default) the worker's Azure Monitor exporter must carry the managed identity, or nothing of the app arrives.
/// </summary>
public sealed class TelemetryCompositionTests
{
    // Nothing is exported: the services are built, never started. The endpoint is a closed loopback port all the same.
    private const string ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/";

    [Fact]
    public void The_worker_exporter_gets_the_managed_identity_the_authentication_string_names()
    {
        // The value infra/modules/functionapp.bicep writes, in the form of Azure's azd Flex Consumption templates.
        var options = ExporterOptions(new()
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ConnectionString,
            ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "ClientId=6d7e8f9a-0b1c-4d2e-8f3a-4b5c6d7e8f9a;Authorization=AAD",
        });

        Assert.IsType<ManagedIdentityCredential>(options.Credential);
    }

    [Fact]
    public void Without_an_authentication_string_the_worker_exporter_has_no_credential()
    {
        var options = ExporterOptions(new() { ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ConnectionString });

        Assert.Null(options.Credential);
    }

    [Fact]
    public void A_malformed_authentication_string_stops_the_worker_naming_the_setting()
    {
        var builder = Builder(new()
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ConnectionString,
            ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "Authorization=AAD;ClientId=release-guardian-identity",
        });

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddGuardianTelemetry());

        Assert.Contains("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", error.Message, StringComparison.Ordinal);
    }

    private static AzureMonitorExporterOptions ExporterOptions(Dictionary<string, string?> settings)
    {
        var builder = Builder(settings);
        builder.AddGuardianTelemetry();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptionsMonitor<AzureMonitorExporterOptions>>().Get(Options.DefaultName);
    }

    private static FunctionsApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        foreach (var (name, value) in settings)
        {
            builder.Configuration[name] = value;
        }

        return builder;
    }
}
