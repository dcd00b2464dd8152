using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ReleaseGuardian.Application.Storage;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>Registers Table and Queue storage and the stores behind the Application's storage ports.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TableServiceClient"/>, <see cref="QueueServiceClient"/>, <see cref="StorageTables"/>,
    /// <see cref="StorageTransactionCounter"/> (in both clients' pipelines), the stores as <see cref="IGuardianStore"/>,
    /// <see cref="IEventStore"/>, <see cref="ITimelineStore"/>, <see cref="IRunStore"/>, <see cref="INotificationStore"/>,
    /// and <see cref="GuardianEventQueue"/>. <c>UseDevelopmentStorage=true</c> is understood by both SDKs and points at
    /// Azurite's default endpoints (127.0.0.1, table 10002, queue 10001, account devstoreaccount1).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">The storage connection string (<c>AzureWebJobsStorage</c>).</param>
    /// <param name="options">Table prefix and queue names; defaults when null.</param>
    public static IServiceCollection AddTableStorage(this IServiceCollection services, string connectionString, StorageOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return services.AddTableStorage(StorageConnection.FromConnectionString(connectionString), options);
    }

    /// <summary>As <see cref="AddTableStorage(IServiceCollection, string, StorageOptions?)"/>, over a connection string or a managed identity.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connection">Where storage is and how to reach it.</param>
    /// <param name="options">Table prefix and queue names; defaults when null.</param>
    public static IServiceCollection AddTableStorage(this IServiceCollection services, StorageConnection connection, StorageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(connection);
        options ??= new StorageOptions();
        options.Validate();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StorageTransactionCounter>();
        services.AddSingleton(options);
        services.AddSingleton(sp => CreateTableService(connection, sp.GetRequiredService<StorageTransactionCounter>()));
        services.AddSingleton(sp => CreateQueueService(connection, sp.GetRequiredService<StorageTransactionCounter>()));
        services.AddSingleton(sp => new StorageTables(sp.GetRequiredService<TableServiceClient>(), options));

        services.AddSingleton(sp => new TableGuardianStore(sp.GetRequiredService<StorageTables>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new TableEventStore(sp.GetRequiredService<StorageTables>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new TableTimelineStore(sp.GetRequiredService<StorageTables>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new TableRunStore(sp.GetRequiredService<StorageTables>()));
        services.AddSingleton(sp => new TableNotificationStore(sp.GetRequiredService<StorageTables>()));
        services.AddSingleton<IGuardianStore>(sp => sp.GetRequiredService<TableGuardianStore>());
        services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<TableEventStore>());
        services.AddSingleton<ITimelineStore>(sp => sp.GetRequiredService<TableTimelineStore>());
        services.AddSingleton<IRunStore>(sp => sp.GetRequiredService<TableRunStore>());
        services.AddSingleton<INotificationStore>(sp => sp.GetRequiredService<TableNotificationStore>());
        services.AddSingleton<IReleaseStore>(sp => new TableReleaseStore(sp.GetRequiredService<StorageTables>()));
        services.AddSingleton(sp => new GuardianEventQueue(sp.GetRequiredService<QueueServiceClient>(), options, sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>A table service client whose requests <paramref name="counter"/> counts.</summary>
    public static TableServiceClient CreateTableService(string connectionString, StorageTransactionCounter? counter = null) =>
        CreateTableService(StorageConnection.FromConnectionString(connectionString), counter);

    /// <summary>A table service client over <paramref name="connection"/> whose requests <paramref name="counter"/> counts.</summary>
    public static TableServiceClient CreateTableService(StorageConnection connection, StorageTransactionCounter? counter = null)
    {
        var clientOptions = new TableClientOptions();
        if (counter is not null)
        {
            clientOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        }

        return connection.CreateTableService(clientOptions);
    }

    /// <summary>A queue service client whose requests <paramref name="counter"/> counts. Messages are sent as given (no SDK encoding).</summary>
    public static QueueServiceClient CreateQueueService(string connectionString, StorageTransactionCounter? counter = null) =>
        CreateQueueService(StorageConnection.FromConnectionString(connectionString), counter);

    /// <summary>A queue service client over <paramref name="connection"/> whose requests <paramref name="counter"/> counts.</summary>
    public static QueueServiceClient CreateQueueService(StorageConnection connection, StorageTransactionCounter? counter = null)
    {
        var clientOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        if (counter is not null)
        {
            clientOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        }

        return connection.CreateQueueService(clientOptions);
    }
}
