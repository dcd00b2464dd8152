using Azure;
using Azure.Data.Tables;
using ReleaseGuardian.Application.Storage;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// Runs in the <c>Runs</c> table, one partition per guardian. Each run is two rows written in one entity group
/// transaction: <c>r|{runId}</c> for the point read (its ETag is the run's) and <c>t|{inverted CreatedAt}|{runId}</c>
/// for newest-first listings; both carry the whole run. The row <c>t|!baseline</c> holds <c>BaselineResetAt</c>: it sorts
/// just before the newest time row, so one range query reads the reset and the newest runs together.
/// </summary>
public sealed class TableRunStore : IRunStore
{
    private const string IdPrefix = "r|";
    /// <summary>The RowKey prefix of the time rows (the timeline reads them too).</summary>
    internal const string TimePrefix = "t|";
    private const string BaselineRowKey = TimePrefix + "!baseline";

    /// <summary>Time rows are <c>t|</c> and inverted ticks (digits), so they start here, after the baseline row.</summary>
    internal const string TimeRowsStart = TimePrefix + "0";
    private const string TokenVersion = "runs1\n";

    private readonly StorageTables _tables;

    /// <summary>Creates the store.</summary>
    public TableRunStore(StorageTables tables) => _tables = tables;

    /// <inheritdoc />
    public async Task<WriteResult> SaveAsync(RunRecord run, WriteCondition condition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrEmpty(run.GuardianId);
        ArgumentException.ThrowIfNullOrEmpty(run.RunId);
        var table = await _tables.GetAsync(StorageTables.Runs, cancellationToken);
        var idRow = ToRow(run, IdRowKey(run.RunId));
        var timeRow = ToRow(run, TimeRowKey(run.CreatedAt, run.RunId));

        TableTransactionAction[] actions = condition.Kind switch
        {
            WriteConditionKind.IfNotExists =>
                [new(TableTransactionActionType.Add, idRow), new(TableTransactionActionType.Add, timeRow)],
            // The time row must already exist: a changed CreatedAt would otherwise leave the old listing row behind.
            WriteConditionKind.IfMatch =>
                [new(TableTransactionActionType.UpdateReplace, idRow, new ETag(condition.ETag!)), new(TableTransactionActionType.UpdateReplace, timeRow, ETag.All)],
            _ =>
                [new(TableTransactionActionType.UpsertReplace, idRow), new(TableTransactionActionType.UpsertReplace, timeRow)],
        };

        try
        {
            var response = await table.SubmitTransactionAsync(actions, cancellationToken);
            var outcome = condition.Kind switch
            {
                WriteConditionKind.IfNotExists => WriteOutcome.Created,
                WriteConditionKind.IfMatch => WriteOutcome.Updated,
                _ => WriteOutcome.Written,
            };
            return new WriteResult(outcome, response.ETagAt(0));
        }
        catch (TableTransactionFailedException e) when (e.Status is TableFailures.Conflict or TableFailures.PreconditionFailed)
        {
            return WriteResult.Conflict;
        }
        catch (TableTransactionFailedException e) when (e.Status == TableFailures.NotFound)
        {
            return e.FailedIndex() == 1 ? WriteResult.Conflict : WriteResult.NotFound;
        }
    }

    /// <inheritdoc />
    public async Task<StoredRun?> GetAsync(string guardianId, string runId, CancellationToken cancellationToken = default)
    {
        var table = await _tables.GetAsync(StorageTables.Runs, cancellationToken);
        var read = await table.GetEntityIfExistsAsync<TableEntity>(Partition(guardianId), IdRowKey(runId), cancellationToken: cancellationToken);
        return read.HasValue ? new StoredRun(ToRun(read.Value!), read.Value!.ETag.ToString()) : null;
    }

    /// <inheritdoc />
    public async Task<ResultPage<RunRecord>> ListAsync(string guardianId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, 1000);
        var after = ParseToken(continuation);
        var table = await _tables.GetAsync(StorageTables.Runs, cancellationToken);
        var partition = Partition(guardianId);
        var end = KeyText.AfterPrefix(TimePrefix);
        var filter = after is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {TimeRowsStart} and RowKey lt {end}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {after} and RowKey lt {end}");

        var rows = await QueryAsync(table, filter, pageSize + 1, cancellationToken);
        var page = rows.Take(pageSize).ToList();
        // Listings come from the time rows, whose ETags are not the run's: callers that update point-read first.
        var items = page.Select(ToRun).ToList();
        var next = rows.Count > pageSize ? Base64Url.Encode(TokenVersion + page[^1].RowKey) : null;
        return new ResultPage<RunRecord>(items, next);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RunRecord>> GetEligibleHistoryAsync(string guardianId, int max, DateTimeOffset? before = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var table = await _tables.GetAsync(StorageTables.Runs, cancellationToken);
        var partition = Partition(guardianId);
        var reset = await ReadResetAsync(table, partition, cancellationToken);

        // Created before 'before': inverted ticks of one tick earlier or more. Created after the reset: fewer than the reset's.
        var from = before is { } b ? TimePrefix + KeyText.InvertedTicks(b.UtcTicks - 1) : TimeRowsStart;
        var to = reset is { } r ? TimePrefix + KeyText.Inverted(r) : KeyText.AfterPrefix(TimePrefix);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {partition} and RowKey ge {from} and RowKey lt {to} and Invalidated eq {false} and Status ne {""} and Status ne {"fail"} and Status ne {"error"}");

        var rows = await QueryAsync(table, filter, max, cancellationToken);
        var runs = rows.Select(ToRun).ToList();
        runs.Reverse();
        return runs;
    }

    /// <inheritdoc />
    public async Task<JudgingHistory> GetJudgingHistoryAsync(string guardianId, int maxEligible, int newest, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEligible, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(newest);
        var table = await _tables.GetAsync(StorageTables.Runs, cancellationToken);
        var partition = Partition(guardianId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {BaselineRowKey} and RowKey lt {KeyText.AfterPrefix(TimePrefix)}");

        // Eligibility is checked here rather than by the service, so the same rows also give the newest runs. Only the
        // small columns are read (not the verdicts), so a page with room for failed runs between the eligible ones
        // stays small and one round trip is enough unless failures outnumber the history fourfold.
        DateTimeOffset? reset = null;
        var eligible = new List<RunRecord>(maxEligible);
        var latest = new List<RunRecord>(newest);
        var page = Math.Min(1000, (4 * (maxEligible + newest)) + 1);
        await foreach (var selected in table.QueryAsync<TableEntity>(filter, page, JudgingColumns, cancellationToken))
        {
            var row = selected.GetInt32("SignalsChunks") > 1
                ? (await table.GetEntityAsync<TableEntity>(selected.PartitionKey, selected.RowKey, cancellationToken: cancellationToken)).Value
                : selected;
            if (row.RowKey == BaselineRowKey)
            {
                reset = row.GetDateTimeOffset("BaselineResetAt");
                continue;
            }

            var createdAt = row.GetDateTimeOffset("CreatedAt") ?? default;
            var beforeReset = reset is { } r && createdAt <= r;
            if (latest.Count < newest)
            {
                latest.Add(ToRun(row));
            }
            else if (eligible.Count == maxEligible || beforeReset)
            {
                break;
            }

            if (!beforeReset && eligible.Count < maxEligible && IsEligible(row))
            {
                eligible.Add(ToRun(row));
            }
        }

        eligible.Reverse();
        return new JudgingHistory(eligible, latest);
    }

    /// <inheritdoc />
    public async Task<WriteResult> InvalidateAsync(string guardianId, string runId, string reason, CancellationToken cancellationToken = default)
    {
        var table = await _tables.GetAsync(StorageTables.Runs, cancellationToken);
        var partition = Partition(guardianId);
        for (var attempt = 0; ; attempt++)
        {
            var read = await table.GetEntityIfExistsAsync<TableEntity>(partition, IdRowKey(runId), cancellationToken: cancellationToken);
            if (!read.HasValue)
            {
                return WriteResult.NotFound;
            }

            var current = read.Value!;
            var createdAt = current.GetDateTimeOffset("CreatedAt") ?? default;
            TableEntity Patch(string rowKey) => new(partition, rowKey) { ["Invalidated"] = true, ["InvalidatedReason"] = reason };
            try
            {
                var response = await table.SubmitTransactionAsync(
                    [
                        new TableTransactionAction(TableTransactionActionType.UpdateMerge, Patch(IdRowKey(runId)), current.ETag),
                        new TableTransactionAction(TableTransactionActionType.UpdateMerge, Patch(TimeRowKey(createdAt, runId)), ETag.All),
                    ],
                    cancellationToken);
                return new WriteResult(WriteOutcome.Updated, response.ETagAt(0));
            }
            catch (TableTransactionFailedException e) when (e.Status == TableFailures.PreconditionFailed && attempt < 2)
            {
                // Someone saved the run between our read and write: read again.
            }
        }
    }

    /// <inheritdoc />
    public async Task ResetBaselineAsync(string guardianId, DateTimeOffset resetAt, CancellationToken cancellationToken = default)
    {
        var table = await _tables.GetAsync(StorageTables.Runs, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(Partition(guardianId), BaselineRowKey) { ["BaselineResetAt"] = resetAt }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<DateTimeOffset?> GetBaselineResetAsync(string guardianId, CancellationToken cancellationToken = default)
    {
        var table = await _tables.GetAsync(StorageTables.Runs, cancellationToken);
        return await ReadResetAsync(table, Partition(guardianId), cancellationToken);
    }

    private static async Task<DateTimeOffset?> ReadResetAsync(TableClient table, string partition, CancellationToken cancellationToken)
    {
        var read = await table.GetEntityIfExistsAsync<TableEntity>(partition, BaselineRowKey, cancellationToken: cancellationToken);
        return read.HasValue ? read.Value!.GetDateTimeOffset("BaselineResetAt") : null;
    }

    // What judging reads of a run: everything but the verdict and the change under test.
    private static readonly string[] JudgingColumns =
        ["PartitionKey", "RowKey", "GuardianId", "RunId", "Purpose", "WindowStart", "WindowEnd", "Status", "Invalidated", "InvalidatedReason", "CreatedAt", "Signals", "SignalsChunks", "BaselineResetAt"];

    // The service-side filter of GetEligibleHistoryAsync, for rows already read.
    private static bool IsEligible(TableEntity row) =>
        row.GetBoolean("Invalidated") != true && row.GetString("Status") is { Length: > 0 } status && status != "fail" && status != "error";

    private static async Task<List<TableEntity>> QueryAsync(TableClient table, string filter, int take, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>(take);
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: take, cancellationToken: cancellationToken))
        {
            rows.Add(row);
            if (rows.Count == take)
            {
                break;
            }
        }

        return rows;
    }

    private static string? ParseToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        var text = Base64Url.TryDecode(token);
        if (text is null || !text.StartsWith(TokenVersion + TimePrefix, StringComparison.Ordinal))
        {
            throw new InvalidContinuationException("continuation", "is not a runs token");
        }

        return text[TokenVersion.Length..];
    }

    internal static string Partition(string guardianId) => KeyText.Segment(guardianId);

    private static string IdRowKey(string runId) => IdPrefix + KeyText.Segment(runId);

    private static string TimeRowKey(DateTimeOffset createdAt, string runId) => TimePrefix + KeyText.Inverted(createdAt) + "|" + KeyText.Segment(runId);

    private static TableEntity ToRow(RunRecord run, string rowKey)
    {
        var row = new TableEntity(Partition(run.GuardianId), rowKey)
        {
            ["GuardianId"] = run.GuardianId,
            ["RunId"] = run.RunId,
            ["Purpose"] = EventJson.Purpose(run.Purpose),
            ["WindowStart"] = run.WindowStart,
            ["WindowEnd"] = run.WindowEnd,
            ["Status"] = run.Status ?? "",
            ["Invalidated"] = run.Invalidated,
            ["CreatedAt"] = run.CreatedAt,
        };
        if (run.InvalidatedReason is not null)
        {
            row["InvalidatedReason"] = run.InvalidatedReason;
        }

        LargeProperty.WriteText(row, "Signals", EventJson.WriteSignals(run.Signals));
        LargeProperty.WriteText(row, "Verdict", run.VerdictJson);
        LargeProperty.WriteText(row, "ChangeUnderTest", run.ChangeUnderTestJson);
        return row;
    }

    internal static RunRecord ToRun(TableEntity row) => new(
        row.GetString("GuardianId") ?? row.PartitionKey,
        row.GetString("RunId") ?? "",
        EventJson.ParsePurpose(row.GetString("Purpose")),
        row.GetDateTimeOffset("WindowStart") ?? default,
        row.GetDateTimeOffset("WindowEnd") ?? default,
        EventJson.ReadSignals(LargeProperty.ReadText(row, "Signals")),
        LargeProperty.ReadText(row, "Verdict"),
        row.GetString("Status") is { Length: > 0 } status ? status : null,
        row.GetBoolean("Invalidated") ?? false,
        row.GetString("InvalidatedReason"),
        LargeProperty.ReadText(row, "ChangeUnderTest"),
        row.GetDateTimeOffset("CreatedAt") ?? default);
}
