using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Server.Http;

namespace ReleaseGuardian.Server.Apis;

/// <summary>
/// <c>GET /api/diagnostics/storage</c>: the storage transactions this process has made, by resource and operation,
/// as counted by <see cref="StorageTransactionCounter"/>. Mapped only when <c>Diagnostics:Enabled=true</c> (the load
/// run sets it), and behind the API key.
/// </summary>
internal static class DiagnosticsApi
{
    public const string StorageRoute = "/api/diagnostics/storage";

    public static IEndpointRouteBuilder MapDiagnosticsApi(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        if (!configuration.GetValue("Diagnostics:Enabled", false))
        {
            return app;
        }

        app.MapGet(StorageRoute, (StorageTransactionCounter counter) =>
                Results.Ok(new StorageSnapshot(counter.Total, counter.Snapshot())))
            .RequireManagementKey()
            .WithName("StorageDiagnostics").WithTags("Diagnostics")
            .WithSummary("Storage transactions of this process (standalone host only, when Diagnostics:Enabled=true).")
            .Returns<StorageSnapshot>(StatusCodes.Status200OK, "Totals by resource:operation.");
        return app;
    }
}

/// <summary>The counter's totals at one moment.</summary>
/// <param name="Total">Every request counted since start.</param>
/// <param name="Counts">Requests keyed <c>resource:operation</c>.</param>
internal sealed record StorageSnapshot(long Total, IReadOnlyDictionary<string, long> Counts);
