using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion.Flags;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags;

public sealed class FlagWebhookAdapterCatalogTests
{
    private static readonly string[] Expected =
        ["azureappconfig", "configcat", "flagsmith", "gofeatureflag", "growthbook", "launchdarkly", "split", "unleash"];

    [Fact]
    public void The_catalog_lists_every_provider_of_the_contract()
    {
        Assert.Equal(Expected, FlagWebhookAdapterCatalog.Default.Providers);
    }

    [Theory]
    [InlineData("LaunchDarkly", "launchdarkly")]
    [InlineData("AZUREAPPCONFIG", "azureappconfig")]
    [InlineData("gofeatureflag", "gofeatureflag")]
    public void A_provider_is_found_whatever_its_case(string asked, string expected)
    {
        Assert.True(FlagWebhookAdapterCatalog.Default.TryGet(asked, out var adapter));
        Assert.Equal(expected, adapter.Provider);
    }

    [Theory]
    [InlineData("flagd")]
    [InlineData("")]
    [InlineData("launch-darkly")]
    public void An_unknown_provider_is_not_found(string asked)
    {
        Assert.False(FlagWebhookAdapterCatalog.Default.TryGet(asked, out _));
    }

    [Fact]
    public void Two_adapters_claiming_one_provider_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new FlagWebhookAdapterCatalog([new SplitWebhookAdapter(), new SplitWebhookAdapter()]));
    }

    [Fact]
    public void The_registration_adds_each_adapter_once_and_a_catalog_over_them()
    {
        var services = new ServiceCollection().AddFlagWebhookAdapters().AddFlagWebhookAdapters();
        using var provider = services.BuildServiceProvider();

        var adapters = provider.GetServices<IFlagWebhookAdapter>().Select(a => a.Provider).Order(StringComparer.Ordinal);
        Assert.Equal(Expected, adapters);
        var catalog = provider.GetRequiredService<FlagWebhookAdapterCatalog>();
        Assert.Same(catalog, provider.GetRequiredService<FlagWebhookAdapterCatalog>());
        Assert.Equal(Expected, catalog.Providers);
    }
}
