using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ReleaseGuardian.Server.Composition;

namespace ReleaseGuardian.Server.Tests.Composition;

public sealed class TelemetryCompositionTests
{
    // Nothing is exported: the services are built, never started. The endpoint is a closed loopback port all the same.
    private const string ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/";

    [Fact]
    public void The_azure_monitor_exporter_gets_the_managed_identity_the_authentication_string_names()
    {
        // The value Azure's azd Flex Consumption templates and infra/modules/functionapp.bicep write.
        var options = ExporterOptions(new()
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ConnectionString,
            ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "ClientId=6d7e8f9a-0b1c-4d2e-8f3a-4b5c6d7e8f9a;Authorization=AAD",
        });

        Assert.IsType<ManagedIdentityCredential>(options.Credential);
        Assert.Equal(ConnectionString, options.ConnectionString);
    }

    [Fact]
    public void Without_an_authentication_string_the_exporter_uses_the_connection_string_key_alone()
    {
        var options = ExporterOptions(new() { ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ConnectionString });

        Assert.Null(options.Credential);
        Assert.Equal(ConnectionString, options.ConnectionString);
    }

    [Fact]
    public void A_malformed_authentication_string_stops_the_server_at_startup_naming_the_setting()
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

    private static WebApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }
}
