using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Infrastructure.Composition;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Infrastructure.Tests.Composition;

public sealed class ReleaseGuardianCompositionTests
{
    [Fact]
    public void Either_host_drops_request_lines_that_print_query_strings_but_keeps_their_warnings_and_other_categories()
    {
        var captured = new CapturedLogs();
        var services = new ServiceCollection();
        // A provider configured with its own, more talkative level still loses the request lines.
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(captured).AddFilter<CapturedLogs>(null, LogLevel.Trace));
        services.AddReleaseGuardian(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        }).Build());
        using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<ILoggerFactory>();

        var hosting = factory.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");
        hosting.LogInformation("Request starting HTTP/1.1 POST http://localhost/api/webhooks/flags/split?secret=s3cr3t");
        hosting.LogWarning("Request reached the end of the middleware pipeline");
        factory.CreateLogger("ReleaseGuardian.Ingestion").LogInformation("accepted 1 event");

        var text = string.Join("\n", captured.Entries);
        Assert.DoesNotContain("s3cr3t", text, StringComparison.Ordinal);
        Assert.Contains("end of the middleware pipeline", text, StringComparison.Ordinal);
        Assert.Contains("accepted 1 event", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("azureappconfig", true)]
    [InlineData("configcat", true)]
    [InlineData("flagsmith", true)]
    [InlineData("split", true)]
    [InlineData("http", false)]
    public void Either_host_gets_a_rollout_client_for_the_provider_saying_whether_it_has_percentages(string provider, bool percentages)
    {
        var services = new ServiceCollection();
        services.AddReleaseGuardian(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        }).Build());
        using var built = services.BuildServiceProvider();

        var client = Assert.Single(built.GetServices<IFlagRolloutClient>(), c => c.Provider == provider);

        Assert.Equal(percentages, client.SupportsPercentages);
    }
}
