using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Server.Http;
using ReleaseGuardian.Server.Workflow;

namespace ReleaseGuardian.Server.Apis;

/// <summary>
/// <c>GET /api/diagnostics/storage</c>: the storage transactions this process has made, by resource and operation,
/// as counted by <see cref="StorageTransactionCounter"/>. Mapped only when <c>Diagnostics:Enabled=true</c> (the load
/// run sets it), and behind the API key.
/// </summary>
internal static class DiagnosticsApi
{
    public const string StorageRoute = "/api/diagnostics/storage";

    /// <summary>Prefix of the workflow engine's counts.</summary>
    public const string EnginePrefix = "engine/";

    public static IEndpointRouteBuilder MapDiagnosticsApi(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        if (!configuration.GetValue("Diagnostics:Enabled", false))
        {
            return app;
        }

        // The engine's own requests (queues, history, instances, leases) are keyed "engine/resource:operation".
        app.MapGet(StorageRoute, (StorageTransactionCounter counter, EngineStorageTransactions engine) =>
                Results.Ok(new StorageSnapshot(
                    counter.Total + engine.Counter.Total,
                    counter.Snapshot().Concat(engine.Counter.Snapshot().Select(kv => KeyValuePair.Create(EnginePrefix + kv.Key, kv.Value)))
                        .ToDictionary(StringComparer.Ordinal))))
            .RequireManagementKey()
            .WithName("StorageDiagnostics").WithTags("Diagnostics")
            .WithSummary("Storage transactions of this process, the engine's included (standalone host only, when Diagnostics:Enabled=true).")
            .Returns<StorageSnapshot>(StatusCodes.Status200OK, "Totals by resource:operation; the engine's are keyed engine/resource:operation.");
        return app;
    }
}

/// <summary>The counter's totals at one moment.</summary>
/// <param name="Total">Every request counted since start.</param>
/// <param name="Counts">Requests keyed <c>resource:operation</c>.</param>
internal sealed record StorageSnapshot(long Total, IReadOnlyDictionary<string, long> Counts);
