using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Infrastructure.Composition;

namespace ReleaseGuardian.Infrastructure.Tests.Composition;

public sealed class RolloutCompositionTests
{
    [Theory]
    [InlineData("launchdarkly")]
    [InlineData("unleash")]
    [InlineData("gofeatureflag")]
    [InlineData("growthbook")]
    public void Both_hosts_composition_gives_a_percentage_rollout_client_that_is_the_providers_rollback_client(string provider)
    {
        var services = new ServiceCollection();
        services.AddReleaseGuardian(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        }).Build());
        using var built = services.BuildServiceProvider();

        var rollout = Assert.Single(built.GetServices<IFlagRolloutClient>(), c => c.Provider == provider);
        var rollback = built.GetRequiredService<IFlagRollbackClientCatalog>().Find(provider);

        Assert.True(rollout.SupportsPercentages);
        // One client per provider: the rollout shares the rollback's settings, HttpClient and outbound policy.
        Assert.Equal(rollback!.GetType(), rollout.GetType());
    }
}
