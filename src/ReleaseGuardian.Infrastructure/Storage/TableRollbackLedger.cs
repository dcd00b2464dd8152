using Azure;
using Azure.Data.Tables;
using ReleaseGuardian.Application.Rollback;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// The rollback ledger in the <c>Rollbacks</c> table: PartitionKey <c>rollback</c>, RowKey the escaped change
/// key. The claim is an insert, so of two concurrent claimants exactly one wins.
/// </summary>
public sealed class TableRollbackLedger(StorageTables tables, TimeProvider time) : IRollbackLedger
{
    /// <summary>The table's name (before the prefix).</summary>
    public const string Table = "Rollbacks";
    private const string Partition = "rollback";

    /// <inheritdoc />
    public async Task<RollbackClaim> ClaimAsync(string changeKey, string guardianId, string runId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(Table, cancellationToken);
        var row = new TableEntity(Partition, KeyText.Segment(changeKey))
        {
            ["ChangeKey"] = changeKey,
            ["GuardianId"] = guardianId,
            ["RunId"] = runId,
            ["ClaimedAt"] = time.GetUtcNow(),
        };
        try
        {
            await table.AddEntityAsync(row, cancellationToken);
            return new RollbackClaim(true, runId, null);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = (await table.GetEntityAsync<TableEntity>(Partition, row.RowKey, cancellationToken: cancellationToken)).Value;
            var holder = existing.GetString("RunId") ?? "";
            // Run ids are unique per guardian only (one load test judged by two guardians is lt-x in both),
            // so the claim is this run's only when the guardian matches too.
            var mine = holder == runId && existing.GetString("GuardianId") == guardianId;
            return ToClaim(mine, existing);
        }
    }

    /// <inheritdoc />
    public async Task<RollbackClaim?> FindAsync(string changeKey, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(Table, cancellationToken);
        var read = await table.GetEntityIfExistsAsync<TableEntity>(Partition, KeyText.Segment(changeKey), cancellationToken: cancellationToken);
        return read.HasValue ? ToClaim(false, read.Value!) : null;
    }

    /// <inheritdoc />
    public async Task CompleteAsync(string changeKey, string result, string summary, string? manualSteps, int attempts, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(Table, cancellationToken);
        var update = new TableEntity(Partition, KeyText.Segment(changeKey))
        {
            ["Result"] = result,
            ["Summary"] = summary,
            ["Attempts"] = attempts,
            ["CompletedAt"] = time.GetUtcNow(),
        };
        if (manualSteps is not null)
        {
            update["ManualSteps"] = manualSteps;
        }

        await table.UpdateEntityAsync(update, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    private static RollbackClaim ToClaim(bool granted, TableEntity row) => new(
        granted, row.GetString("RunId") ?? "", row.GetString("Result"), row.GetString("Summary"), row.GetString("ManualSteps"), row.GetInt32("Attempts") ?? 0);
}
