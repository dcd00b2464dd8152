using Azure.Data.Tables;
using Azure.Storage.Queues;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Core.LoadTests;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Infrastructure.Tests.Storage;

/// <summary>Stores over their own uniquely prefixed tables and queues, with a transaction counter.</summary>
internal sealed class StorageTestBed
{
    public StorageTestBed(AzuriteFixture azurite)
    {
        Options = new StorageOptions
        {
            TablePrefix = AzuriteFixture.UniqueName("t"),
            QueueName = AzuriteFixture.UniqueName("q"),
            PoisonQueueName = AzuriteFixture.UniqueName("p"),
        };
        TableService = StorageServiceCollectionExtensions.CreateTableService(azurite.ConnectionString, Counter);
        QueueService = StorageServiceCollectionExtensions.CreateQueueService(azurite.ConnectionString, Counter);
        Tables = new StorageTables(TableService, Options);
        Events = new TableEventStore(Tables);
        Timeline = new TableTimelineStore(Tables);
        Guardians = new TableGuardianStore(Tables);
        Runs = new TableRunStore(Tables);
        Notifications = new TableNotificationStore(Tables);
        Queue = new GuardianEventQueue(QueueService, Options);
    }

    public StorageOptions Options { get; }

    public StorageTransactionCounter Counter { get; } = new();

    public TableServiceClient TableService { get; }

    public QueueServiceClient QueueService { get; }

    public StorageTables Tables { get; }

    public TableEventStore Events { get; }

    public TableTimelineStore Timeline { get; }

    public TableGuardianStore Guardians { get; }

    public TableRunStore Runs { get; }

    public TableNotificationStore Notifications { get; }

    public GuardianEventQueue Queue { get; }

    public string TableName(string table) => Tables.NameOf(table);

    /// <summary>Every row of a table (test inspection only).</summary>
    public async Task<List<TableEntity>> AllRowsAsync(string table)
    {
        var client = TableService.GetTableClient(Tables.NameOf(table));
        var rows = new List<TableEntity>();
        await foreach (var row in client.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }

    public static readonly DateTimeOffset T0 = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    public static FlagChangedEvent FlagChanged(string changeId, DateTimeOffset at, bool enabled, string flagKey = "new-checkout", FlagState? previous = null, string? variant = null) =>
        new("/webhooks/flags/launchdarkly", changeId, at,
            new FlagChange("launchdarkly", flagKey, "default", "production", previous, new FlagState(enabled, variant), "alice@example.org", at, changeId)
            {
                ProviderRefs = new Dictionary<string, string> { ["flagVersion"] = "7" },
            });

    public static LoadTestFinishedEvent LoadTest(string guardianId, string testId, DateTimeOffset end, double requests = 1158) =>
        new("/webhooks/loadtests/k6", testId, end,
            new LoadTestFinished(guardianId, null, null, testId, "k6", RunPurpose.Validation, end.AddMinutes(-1), end,
                new Dictionary<string, double> { ["latency.p95"] = 512.3, ["errors.rate"] = 0.12, ["traffic.requests"] = requests }));
}
