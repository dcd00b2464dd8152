using System.Globalization;
using Azure;
using Azure.Data.Tables;
using ReleaseGuardian.Application.Storage;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// Releases in the <c>Releases</c> table (PartitionKey the guardian, RowKey the inverted start then the release id, so
/// a listing reads newest first), and the per-flag locks in <c>ReleaseLocks</c> (PartitionKey <c>lock</c>, RowKey the
/// escaped flag key). A release row is one entity written whole; a lock is an insert, so of two starts exactly one wins.
/// </summary>
public sealed class TableReleaseStore(StorageTables tables) : IReleaseStore
{
    /// <summary>The releases table's name (before the prefix).</summary>
    public const string Table = "Releases";

    /// <summary>The locks table's name (before the prefix).</summary>
    public const string LockTable = "ReleaseLocks";

    private const string LockPartition = "lock";
    private const string TokenVersion = "r1|";

    /// <inheritdoc />
    public async Task SaveAsync(ReleaseRecord release, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(release);
        var table = await tables.GetAsync(Table, cancellationToken);
        var row = new TableEntity(KeyText.Segment(release.GuardianId), RowKey(release.ReleaseId))
        {
            ["GuardianId"] = release.GuardianId,
            ["ReleaseId"] = release.ReleaseId,
            ["State"] = release.State,
            ["StartedAt"] = release.StartedAt,
        };
        LargeProperty.WriteText(row, "Report", release.ReportJson);
        await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<ReleaseRecord?> GetAsync(string guardianId, string releaseId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table, cancellationToken);
        var read = await table.GetEntityIfExistsAsync<TableEntity>(KeyText.Segment(guardianId), RowKey(releaseId), cancellationToken: cancellationToken);
        return read.HasValue ? ToRecord(read.Value!) : null;
    }

    /// <inheritdoc />
    public async Task<ResultPage<ReleaseRecord>> ListAsync(string guardianId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, 1000);
        var after = "";
        if (!string.IsNullOrEmpty(continuation))
        {
            var text = Base64Url.TryDecode(continuation);
            if (text is null || !text.StartsWith(TokenVersion, StringComparison.Ordinal))
            {
                throw new InvalidContinuationException("continuation", "is not a token of this releases listing");
            }

            after = text[TokenVersion.Length..];
        }

        var table = await tables.GetAsync(Table, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {KeyText.Segment(guardianId)} and RowKey gt {after}");
        var (page, next) = await TablePage.ReadAsync(table, filter, pageSize, TokenVersion, cancellationToken);
        return new ResultPage<ReleaseRecord>(page.Select(ToRecord).ToList(), next);
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string guardianId, string releaseId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table, cancellationToken);
        await table.DeleteEntityAsync(KeyText.Segment(guardianId), RowKey(releaseId), ETag.All, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<FlagLockResult> TryLockAsync(FlagLock wanted, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        var table = await tables.GetAsync(LockTable, cancellationToken);
        try
        {
            await table.AddEntityAsync(LockRow(wanted), cancellationToken);
            return new FlagLockResult(true, null);
        }
        catch (RequestFailedException e) when (e.Status == TableFailures.Conflict)
        {
            var read = await table.GetEntityIfExistsAsync<TableEntity>(LockPartition, KeyText.Segment(wanted.FlagKey), cancellationToken: cancellationToken);
            // Freed between the insert and the read: the caller tries again.
            return new FlagLockResult(false, read.HasValue ? ToLock(read.Value!) : wanted with { ReleaseId = "", InstanceId = "", TakenAt = DateTimeOffset.MinValue });
        }
    }

    /// <inheritdoc />
    public async Task<bool> TakeOverAsync(FlagLock stale, FlagLock wanted, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stale);
        ArgumentNullException.ThrowIfNull(wanted);
        var table = await tables.GetAsync(LockTable, cancellationToken);
        try
        {
            if (stale.ETag is null)
            {
                await table.AddEntityAsync(LockRow(wanted), cancellationToken);
            }
            else
            {
                await table.UpdateEntityAsync(LockRow(wanted), new ETag(stale.ETag), TableUpdateMode.Replace, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException e) when (e.Status is TableFailures.Conflict or TableFailures.PreconditionFailed or TableFailures.NotFound)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<bool> UnlockAsync(string flagKey, string releaseId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(LockTable, cancellationToken);
        var read = await table.GetEntityIfExistsAsync<TableEntity>(LockPartition, KeyText.Segment(flagKey), cancellationToken: cancellationToken);
        if (!read.HasValue || read.Value!.GetString("ReleaseId") != releaseId)
        {
            return false;
        }

        try
        {
            // Conditional: a lock another release took over in between is not freed by this one.
            await table.DeleteEntityAsync(LockPartition, read.Value.RowKey, read.Value.ETag, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is TableFailures.NotFound or TableFailures.PreconditionFailed)
        {
            return false;
        }
    }

    // Newest first: the start time the release id carries (release-yyyyMMddTHHmmss-xxxx), inverted, then the id.
    private static string RowKey(string releaseId) =>
        releaseId.Length >= 23 && DateTimeOffset.TryParseExact(releaseId.AsSpan(8, 15), "yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var started)
            ? $"{KeyText.Inverted(started)}|{KeyText.Segment(releaseId)}"
            : KeyText.Segment(releaseId);

    private static TableEntity LockRow(FlagLock l) => new(LockPartition, KeyText.Segment(l.FlagKey))
    {
        ["FlagKey"] = l.FlagKey,
        ["GuardianId"] = l.GuardianId,
        ["ReleaseId"] = l.ReleaseId,
        ["InstanceId"] = l.InstanceId,
        ["TakenAt"] = l.TakenAt,
    };

    private static FlagLock ToLock(TableEntity row) => new(
        row.GetString("FlagKey") ?? "", row.GetString("GuardianId") ?? "", row.GetString("ReleaseId") ?? "",
        row.GetString("InstanceId") ?? "", row.GetDateTimeOffset("TakenAt") ?? DateTimeOffset.MinValue, row.ETag.ToString());

    /// <summary>A release row as its record (the timeline reads the rows directly).</summary>
    internal static ReleaseRecord ToRecord(TableEntity row) => new(
        row.GetString("GuardianId") ?? "", row.GetString("ReleaseId") ?? "", row.GetString("State") ?? "",
        row.GetDateTimeOffset("StartedAt") ?? DateTimeOffset.MinValue, LargeProperty.ReadText(row, "Report") ?? "{}");
}
