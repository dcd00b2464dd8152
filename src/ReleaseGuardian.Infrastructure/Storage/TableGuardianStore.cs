using Azure;
using Azure.Data.Tables;
using ReleaseGuardian.Application.Storage;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// Guardians in the <c>Guardians</c> table: one partition <c>guardian</c>, RowKey = id, the definition JSON in
/// <c>Definition</c> (chunked when large), <c>CreatedAt</c>, <c>UpdatedAt</c>. The table's ETag is the guardian's.
/// </summary>
public sealed class TableGuardianStore : IGuardianStore
{
    /// <summary>The single partition: guardians are few and "list all" must be one query.</summary>
    public const string Partition = "guardian";

    private readonly StorageTables _tables;
    private readonly TimeProvider _time;

    /// <summary>Creates the store.</summary>
    public TableGuardianStore(StorageTables tables, TimeProvider? time = null)
    {
        _tables = tables;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task<WriteResult> PutAsync(string id, string definitionJson, WriteCondition condition, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(definitionJson);
        var table = await _tables.GetAsync(StorageTables.Guardians, cancellationToken);
        var now = _time.GetUtcNow();

        switch (condition.Kind)
        {
            case WriteConditionKind.IfNotExists:
                return await TryAddAsync(table, id, definitionJson, now, cancellationToken) ?? WriteResult.Conflict;
            case WriteConditionKind.IfMatch:
                return await TryUpdateAsync(table, id, definitionJson, now, new ETag(condition.ETag!), cancellationToken);
            default:
                // Add first so CreatedAt is set once; on "exists", merge (keeps CreatedAt). A delete racing in between
                // makes the merge miss, so try again.
                for (var attempt = 0; ; attempt++)
                {
                    if (await TryAddAsync(table, id, definitionJson, now, cancellationToken) is { } created)
                    {
                        return created;
                    }

                    var updated = await TryUpdateAsync(table, id, definitionJson, now, ETag.All, cancellationToken);
                    if (updated.Outcome != WriteOutcome.NotFound || attempt == 2)
                    {
                        return updated;
                    }
                }
        }
    }

    /// <inheritdoc />
    public async Task<StoredGuardian?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var table = await _tables.GetAsync(StorageTables.Guardians, cancellationToken);
        var read = await table.GetEntityIfExistsAsync<TableEntity>(Partition, KeyText.Segment(id), cancellationToken: cancellationToken);
        return read.HasValue ? ToGuardian(read.Value!) : null;
    }

    /// <inheritdoc />
    public async Task<WriteResult> DeleteAsync(string id, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var table = await _tables.GetAsync(StorageTables.Guardians, cancellationToken);
        try
        {
            // DeleteEntity answers a missing entity with 404 instead of throwing.
            var response = await table.DeleteEntityAsync(Partition, KeyText.Segment(id), ifMatch is null ? ETag.All : new ETag(ifMatch), cancellationToken);
            return response.Status == TableFailures.NotFound ? WriteResult.NotFound : WriteResult.Deleted;
        }
        catch (RequestFailedException e) when (e.Status == TableFailures.PreconditionFailed)
        {
            return WriteResult.Conflict;
        }
        catch (RequestFailedException e) when (e.Status == TableFailures.NotFound)
        {
            return WriteResult.NotFound;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredGuardian>> ListAsync(CancellationToken cancellationToken = default)
    {
        var table = await _tables.GetAsync(StorageTables.Guardians, cancellationToken);
        var guardians = new List<StoredGuardian>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken))
        {
            guardians.Add(ToGuardian(row));
        }

        return guardians;
    }

    /// <inheritdoc />
    public async Task<ResultPage<StoredGuardian>> ListPageAsync(int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, 1000);
        var after = ParseToken(continuation);
        var table = await _tables.GetAsync(StorageTables.Guardians, cancellationToken);
        var filter = after is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {Partition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey gt {after}");

        var (page, next) = await TablePage.ReadAsync(table, filter, pageSize, TokenVersion, cancellationToken);
        return new ResultPage<StoredGuardian>(page.Select(ToGuardian).ToList(), next);
    }

    private const string TokenVersion = "guardians1\n";

    private static string? ParseToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        var text = Base64Url.TryDecode(token);
        if (text is null || !text.StartsWith(TokenVersion, StringComparison.Ordinal) || text.Length == TokenVersion.Length)
        {
            throw new InvalidContinuationException("continuation", "is not a guardians token");
        }

        return text[TokenVersion.Length..];
    }

    private static async Task<WriteResult?> TryAddAsync(TableClient table, string id, string json, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var row = Row(id, json, now);
        row["CreatedAt"] = now;
        try
        {
            var response = await table.AddEntityAsync(row, cancellationToken);
            return new WriteResult(WriteOutcome.Created, response.ETagOf());
        }
        catch (RequestFailedException e) when (e.Status == TableFailures.Conflict)
        {
            return null;
        }
    }

    private static async Task<WriteResult> TryUpdateAsync(TableClient table, string id, string json, DateTimeOffset now, ETag ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            var response = await table.UpdateEntityAsync(Row(id, json, now), ifMatch, TableUpdateMode.Merge, cancellationToken);
            return new WriteResult(WriteOutcome.Updated, response.ETagOf());
        }
        catch (RequestFailedException e) when (e.Status == TableFailures.PreconditionFailed)
        {
            return WriteResult.Conflict;
        }
        catch (RequestFailedException e) when (e.Status == TableFailures.NotFound)
        {
            return WriteResult.NotFound;
        }
    }

    private static TableEntity Row(string id, string json, DateTimeOffset now)
    {
        var row = new TableEntity(Partition, KeyText.Segment(id)) { ["GuardianId"] = id, ["UpdatedAt"] = now };
        LargeProperty.WriteText(row, "Definition", json);
        return row;
    }

    private static StoredGuardian ToGuardian(TableEntity row) => new(
        row.GetString("GuardianId") ?? row.RowKey,
        LargeProperty.ReadText(row, "Definition") ?? "",
        row.ETag.ToString(),
        row.GetDateTimeOffset("CreatedAt") ?? row.Timestamp ?? default,
        row.GetDateTimeOffset("UpdatedAt") ?? row.Timestamp ?? default);
}
