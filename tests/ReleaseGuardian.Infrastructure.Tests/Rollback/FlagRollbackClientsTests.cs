using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Core.Flags;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class FlagRollbackClientsTests
{
    [Fact]
    public async Task Every_provider_has_a_client_found_regardless_of_case()
    {
        await using var services = Build(new Dictionary<string, string?>());
        var catalog = services.GetRequiredService<IFlagRollbackClientCatalog>();

        string[] expected = ["azureappconfig", "configcat", "flagd", "flagsmith", "gofeatureflag", "growthbook", "http", "launchdarkly", "split", "unleash"];
        Assert.Equal(expected, catalog.Providers.Order(StringComparer.Ordinal));
        foreach (var provider in expected)
        {
            Assert.Equal(provider, catalog.Find(provider.ToUpperInvariant())!.Provider);
        }
    }

    [Fact]
    public async Task An_unknown_provider_is_not_supported_and_names_the_known_ones()
    {
        await using var services = Build(new Dictionary<string, string?>());
        var catalog = services.GetRequiredService<IFlagRollbackClientCatalog>();

        var outcome = await catalog.RollBackAsync(Plan("devcycle", "f", new FlagState(false)), default);

        var reason = Assert.IsType<RollbackOutcome.NotSupported>(outcome).Reason;
        Assert.Contains("'devcycle'", reason);
        Assert.Contains("launchdarkly", reason);
        Assert.Null(catalog.Find("devcycle"));
    }
}
