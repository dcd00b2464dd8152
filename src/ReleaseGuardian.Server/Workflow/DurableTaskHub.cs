using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.Extensions.Options;
using ReleaseGuardian.Infrastructure.Storage;

namespace ReleaseGuardian.Server.Workflow;

/// <summary>
/// The task hub on the configured storage account (<c>AzureWebJobsStorage</c>): DTFx's Azure Storage orchestration
/// service, shared by this process's worker and client. Several processes on one hub share its partitions through
/// leases, and every instance runs in whichever process holds its partition.
/// </summary>
internal sealed class DurableTaskHub
{
    private readonly CreateOnce _created;

    public DurableTaskHub(
        StorageConnection connection,
        StorageOptions storage,
        IOptions<WorkflowEngineOptions> options,
        EngineStorageTransactions transactions,
        ILoggerFactory loggers)
    {
        var engine = options.Value;
        Options = engine;
        Name = HubName(engine.TaskHub, storage.TablePrefix);
        Settings = new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = ClientProvider(connection, transactions.Counter),
            TaskHubName = Name,
            // Two processes on one machine (tests, a rolling restart) must not look like one lease owner.
            WorkerId = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}",
            PartitionCount = engine.Partitions,
            MaxQueuePollingInterval = engine.MaxQueuePollingInterval,
            ExtendedSessionsEnabled = engine.ExtendedSessions,
            ExtendedSessionIdleTimeout = engine.ExtendedSessionIdleTimeout,
            ControlQueueVisibilityTimeout = engine.ControlQueueVisibilityTimeout,
            WorkItemQueueVisibilityTimeout = engine.WorkItemVisibilityTimeout,
            LeaseInterval = engine.LeaseInterval,
            LeaseRenewInterval = engine.LeaseRenewInterval,
            LeaseAcquireInterval = engine.LeaseAcquireInterval,
            UseTablePartitionManagement = engine.TablePartitionManagement,
            ControlQueueBatchSize = engine.ControlQueueBatchSize,
            ControlQueueBufferThreshold = engine.ControlQueueBufferThreshold,
            MaxConcurrentTaskActivityWorkItems = engine.MaxConcurrentActivities,
            MaxConcurrentTaskOrchestrationWorkItems = engine.MaxConcurrentOrchestrations,
            // A start for an instance id that exists is refused (the caller answers the existing instance).
            ThrowExceptionOnInvalidDedupeStatus = true,
            LoggerFactory = loggers,
        };
        Service = new AzureStorageOrchestrationService(Settings);
        Client = new TaskHubClient(Service, WorkflowDataConverter.Instance, loggers);
        _created = new CreateOnce(() => Service.CreateIfNotExistsAsync());
    }

    /// <summary>The task hub's name.</summary>
    public string Name { get; }

    /// <summary>The engine settings this hub runs with.</summary>
    public WorkflowEngineOptions Options { get; }

    /// <summary>DTFx's settings, as derived from <c>Workflow:*</c>.</summary>
    public AzureStorageOrchestrationServiceSettings Settings { get; }

    /// <summary>The orchestration service (queues, history and instance tables, partition leases).</summary>
    public AzureStorageOrchestrationService Service { get; }

    /// <summary>Starts, reads, raises events to and terminates instances.</summary>
    public TaskHubClient Client { get; }

    /// <summary>Creates the hub's queues, tables and lease store if they do not exist (once per process).</summary>
    public Task EnsureCreatedAsync() => _created.EnsureAsync();

    /// <summary>The hub's name: the configured one, or <c>ReleaseGuardian</c> after the storage prefix (letters and digits only).</summary>
    public static string HubName(string? configured, string prefix)
    {
        var name = string.IsNullOrWhiteSpace(configured) ? prefix + "ReleaseGuardian" : configured;
        var cleaned = new string(name.Where(char.IsAsciiLetterOrDigit).ToArray());
        if (cleaned.Length == 0 || !char.IsAsciiLetter(cleaned[0]))
        {
            cleaned = "rg" + cleaned;
        }

        return cleaned.Length > 45 ? cleaned[..45] : cleaned;
    }

    private static StorageAccountClientProvider ClientProvider(StorageConnection connection, StorageTransactionCounter counter)
    {
        var blobOptions = new BlobClientOptions();
        var queueOptions = new QueueClientOptions();
        var tableOptions = new TableClientOptions();
        blobOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        queueOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        tableOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        if (connection.ConnectionString is { } connectionString)
        {
            return new StorageAccountClientProvider(
                StorageServiceClientProvider.ForBlob(connectionString, blobOptions),
                StorageServiceClientProvider.ForQueue(connectionString, queueOptions),
                StorageServiceClientProvider.ForTable(connectionString, tableOptions));
        }

        // Identity-based storage: the blob endpoint (partition leases, large payloads) sits beside the table endpoint.
        var table = connection.TableServiceUri!;
        var blob = connection.BlobServiceUri ?? new UriBuilder(table) { Host = table.Host.Replace(".table.", ".blob.", StringComparison.Ordinal) }.Uri;
        return new StorageAccountClientProvider(
            StorageServiceClientProvider.ForBlob(blob, connection.Credential!, blobOptions),
            StorageServiceClientProvider.ForQueue(connection.QueueServiceUri!, connection.Credential!, queueOptions),
            StorageServiceClientProvider.ForTable(table, connection.Credential!, tableOptions));
    }
}

/// <summary>Counts the engine's own storage transactions, apart from the activities' (<see cref="StorageTransactionCounter"/>).</summary>
internal sealed class EngineStorageTransactions
{
    /// <summary>The engine's counter.</summary>
    public StorageTransactionCounter Counter { get; } = new();
}
