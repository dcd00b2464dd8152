using System.Collections.Concurrent;
using Azure.Data.Tables;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// The tables, created lazily once per process: the first call for a table creates it (one request) and every
/// later call reuses the cached task, so hot paths never pay for "create if not exists".
/// </summary>
public sealed class StorageTables
{
    /// <summary>Guardian definitions.</summary>
    public const string Guardians = "Guardians";

    /// <summary>Inbound events with their de-dup markers, and appended timeline entries.</summary>
    public const string Events = "Events";

    /// <summary>Runs and baseline reset markers.</summary>
    public const string Runs = "Runs";

    /// <summary>Notifications.</summary>
    public const string Notifications = "Notifications";

    private readonly TableServiceClient _service;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, (TableClient Client, CreateOnce Created)> _tables = new(StringComparer.Ordinal);

    /// <summary>Creates the accessor.</summary>
    public StorageTables(TableServiceClient service, StorageOptions options)
    {
        options.Validate();
        _service = service;
        _prefix = options.TablePrefix;
    }

    /// <summary>The physical name of a table (prefix + name).</summary>
    public string NameOf(string table) => _prefix + table;

    /// <summary>The table, created on first use.</summary>
    public async Task<TableClient> GetAsync(string table, CancellationToken cancellationToken)
    {
        var (client, created) = _tables.GetOrAdd(table, name =>
        {
            var tableClient = _service.GetTableClient(NameOf(name));
            return (tableClient, new CreateOnce(() => tableClient.CreateIfNotExistsAsync(CancellationToken.None)));
        });
        await created.EnsureAsync(cancellationToken);
        return client;
    }
}
