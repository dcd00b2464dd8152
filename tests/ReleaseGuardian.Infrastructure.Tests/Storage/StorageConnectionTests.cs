using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using ReleaseGuardian.Infrastructure.Storage;

namespace ReleaseGuardian.Infrastructure.Tests.Storage;

public sealed class StorageConnectionTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void A_connection_string_is_used_as_it_is()
    {
        var connection = StorageConnection.FromConfiguration(Settings(("AzureWebJobsStorage", "UseDevelopmentStorage=true")));

        Assert.Equal("UseDevelopmentStorage=true", connection.ConnectionString);
        Assert.Equal(10002, connection.CreateTableService(new TableClientOptions()).Uri.Port);
    }

    [Fact]
    public void Identity_based_settings_with_an_account_name_point_at_the_accounts_endpoints_with_the_user_assigned_identity()
    {
        var connection = StorageConnection.FromConfiguration(Settings(
            ("AzureWebJobsStorage:accountName", "guardianstore"),
            ("AzureWebJobsStorage:credential", "managedidentity"),
            ("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-000000000001")));

        Assert.Null(connection.ConnectionString);
        Assert.IsType<ManagedIdentityCredential>(connection.Credential);
        Assert.Equal("https://guardianstore.table.core.windows.net/", connection.CreateTableService(new TableClientOptions()).Uri.ToString());
        Assert.Equal("https://guardianstore.queue.core.windows.net/", connection.CreateQueueService(new QueueClientOptions()).Uri.ToString());
    }

    [Fact]
    public void Explicit_service_uris_win_over_the_account_name()
    {
        var connection = StorageConnection.FromConfiguration(Settings(
            ("AzureWebJobsStorage:accountName", "ignored"),
            ("AzureWebJobsStorage:tableServiceUri", "https://tables.example.org"),
            ("AzureWebJobsStorage:queueServiceUri", "https://queues.example.org")));

        Assert.Equal(new Uri("https://tables.example.org"), connection.TableServiceUri);
        Assert.Equal(new Uri("https://queues.example.org"), connection.QueueServiceUri);
        Assert.IsType<DefaultAzureCredential>(connection.Credential);
    }

    [Fact]
    public void Without_any_storage_setting_the_error_names_every_accepted_form()
    {
        var error = Assert.Throws<InvalidOperationException>(() => StorageConnection.FromConfiguration(Settings()));

        Assert.Contains("UseDevelopmentStorage=true", error.Message);
        Assert.Contains("AzureWebJobsStorage__accountName", error.Message);
        Assert.Contains("AzureWebJobsStorage__clientId", error.Message);
    }
}
