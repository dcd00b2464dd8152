using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// Where storage is and how to reach it, read the way the Functions host reads <c>AzureWebJobsStorage</c>:
/// either a connection string (<c>UseDevelopmentStorage=true</c> for Azurite), or the identity-based
/// settings <c>AzureWebJobsStorage__accountName</c> / <c>__tableServiceUri</c> / <c>__queueServiceUri</c>
/// with <c>__credential=managedidentity</c> and <c>__clientId</c> (a user-assigned identity), as the Bicep sets them.
/// </summary>
public sealed record StorageConnection
{
    private StorageConnection(string? connectionString, Uri? tableUri, Uri? queueUri, TokenCredential? credential, Uri? blobUri = null)
    {
        BlobServiceUri = blobUri;
        ConnectionString = connectionString;
        TableServiceUri = tableUri;
        QueueServiceUri = queueUri;
        Credential = credential;
    }

    /// <summary>The connection string, when storage is reached by key (or Azurite).</summary>
    public string? ConnectionString { get; }

    /// <summary>The table endpoint, when storage is reached by identity.</summary>
    public Uri? TableServiceUri { get; }

    /// <summary>The queue endpoint, when storage is reached by identity.</summary>
    public Uri? QueueServiceUri { get; }

    /// <summary>The blob endpoint (the workflow engine's leases and large payloads), when storage is reached by identity and it is configured or derived from the account.</summary>
    public Uri? BlobServiceUri { get; }

    /// <summary>The identity, when storage is reached by identity.</summary>
    public TokenCredential? Credential { get; }

    /// <summary>A connection-string connection.</summary>
    public static StorageConnection FromConnectionString(string connectionString) => new(connectionString, null, null, null);

    /// <summary>Reads <c>AzureWebJobsStorage</c> (string or section) from configuration.</summary>
    /// <exception cref="InvalidOperationException">Neither form is configured.</exception>
    public static StorageConnection FromConfiguration(IConfiguration configuration, string name = "AzureWebJobsStorage")
    {
        var connectionString = configuration[name];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return FromConnectionString(connectionString);
        }

        var section = configuration.GetSection(name);
        var account = section["accountName"];
        var table = section["tableServiceUri"] ?? (account is null ? null : $"https://{account}.table.core.windows.net");
        var queue = section["queueServiceUri"] ?? (account is null ? null : $"https://{account}.queue.core.windows.net");
        var blob = section["blobServiceUri"] ?? (account is null ? null : $"https://{account}.blob.core.windows.net");
        if (table is null || queue is null)
        {
            throw new InvalidOperationException(
                $"{name} is not set. Use UseDevelopmentStorage=true for Azurite, a storage connection string, or the identity-based " +
                $"settings {name}__accountName (or __tableServiceUri and __queueServiceUri) with {name}__credential=managedidentity and {name}__clientId.");
        }

        var clientId = section["clientId"];
        TokenCredential credential = string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(string.IsNullOrEmpty(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();
        return new StorageConnection(null, new Uri(table), new Uri(queue), credential, blob is null ? null : new Uri(blob));
    }

    /// <summary>A table service client over this connection.</summary>
    public TableServiceClient CreateTableService(TableClientOptions options) =>
        ConnectionString is not null ? new TableServiceClient(ConnectionString, options) : new TableServiceClient(TableServiceUri!, Credential!, options);

    /// <summary>A queue service client over this connection.</summary>
    public QueueServiceClient CreateQueueService(QueueClientOptions options) =>
        ConnectionString is not null ? new QueueServiceClient(ConnectionString, options) : new QueueServiceClient(QueueServiceUri!, Credential!, options);
}
