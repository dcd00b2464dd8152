using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Storage.StorageTestBed;

namespace ReleaseGuardian.Infrastructure.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class StorageServiceCollectionTests(AzuriteFixture azurite)
{
    [Fact]
    public void UseDevelopmentStorage_points_both_clients_at_the_Azurite_default_endpoints()
    {
        using var provider = new ServiceCollection().AddTableStorage("UseDevelopmentStorage=true").BuildServiceProvider();

        var tables = provider.GetRequiredService<TableServiceClient>();
        var queues = provider.GetRequiredService<QueueServiceClient>();

        Assert.Equal("http://127.0.0.1:10002/devstoreaccount1", tables.Uri.ToString().TrimEnd('/'));
        Assert.Equal("devstoreaccount1", tables.AccountName);
        Assert.Equal("http://127.0.0.1:10001/devstoreaccount1", queues.Uri.ToString().TrimEnd('/'));
        Assert.Equal("devstoreaccount1", queues.AccountName);
    }

    [Fact]
    public async Task The_registered_stores_work_against_storage_and_are_counted()
    {
        var options = new StorageOptions
        {
            TablePrefix = AzuriteFixture.UniqueName("di"),
            QueueName = AzuriteFixture.UniqueName("q"),
            PoisonQueueName = AzuriteFixture.UniqueName("p"),
        };
        using var provider = new ServiceCollection().AddTableStorage(azurite.ConnectionString, options).BuildServiceProvider();

        var events = provider.GetRequiredService<IEventStore>();
        var recorded = await events.RecordAsync(FlagChanged("c1", T0, enabled: true), null);
        await provider.GetRequiredService<IGuardianStore>().PutAsync("checkout", "{}", WriteCondition.None);
        await provider.GetRequiredService<GuardianEventQueue>().SendAsync("{}");
        var timeline = await provider.GetRequiredService<ITimelineStore>().GetTimelineAsync("checkout", new FlagScope("launchdarkly", "default", "production", "new-checkout"), 10, null);

        Assert.False(recorded.IsDuplicate);
        Assert.Single(timeline.Items);
        Assert.IsType<TableTimelineStore>(provider.GetRequiredService<ITimelineStore>());
        Assert.NotNull(provider.GetRequiredService<IRunStore>());
        Assert.NotNull(provider.GetRequiredService<INotificationStore>());
        var counter = provider.GetRequiredService<StorageTransactionCounter>();
        Assert.Equal(1, counter.Count(options.TablePrefix + "Events", "batch"));
        Assert.Equal(1, counter.Count(options.QueueName, "send"));
        // Events, Guardians, and the Runs, Notifications and Releases tables the timeline reads.
        Assert.Equal(5, counter.Count("Tables", "create"));
    }

    [Theory]
    [InlineData("1abc")]
    [InlineData("has-hyphen")]
    public void A_table_prefix_storage_would_reject_is_refused_naming_the_option(string prefix)
    {
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddTableStorage("UseDevelopmentStorage=true", new StorageOptions { TablePrefix = prefix }));

        Assert.Equal(nameof(StorageOptions.TablePrefix), error.ParamName);
    }
}
