using System.Text;
using Azure;
using Azure.Data.Tables;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// Events and timelines in the <c>Events</c> table (docs/storage.md). Each partition is one flag
/// (<c>flag|provider|project|environment|key</c>) or one guardian (<c>guardian|id</c>). Time rows have
/// RowKey <c>{inverted ticks}|{id}|{discriminator}</c>, so a partition reads newest first; de-dup markers have RowKey
/// <c>~dedup|{source}|{id}</c>, after every time row. An event whose time comes from its payload
/// (<see cref="InboundEvent.TimeFromPayload"/>) is one entity, the event row with the raw payload, whose key already
/// de-duplicates; any other event is a marker (with the raw payload) and the event row, in one entity group transaction.
/// </summary>
public sealed class TableEventStore : IEventStore, ITimelineStore
{
    private const string MarkerPrefix = "~dedup|";

    /// <summary>Every time row's RowKey sorts below this (inverted ticks are digits).</summary>
    private const string TimeRowsEnd = "~";

    private readonly StorageTables _tables;
    private readonly TimeProvider _time;

    /// <summary>Creates the store.</summary>
    public TableEventStore(StorageTables tables, TimeProvider? time = null)
    {
        _tables = tables;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The partition of one flag's changes.</summary>
    public static string FlagPartition(FlagScope flag) =>
        "flag|" + KeyText.Segment(flag.Provider.ToLowerInvariant()) + "|" + KeyText.Segment(flag.Project ?? "") + "|"
        + KeyText.Segment(flag.Environment ?? "") + "|" + KeyText.Segment(flag.FlagKey);

    /// <summary>The partition of one guardian's load tests, chaos results and appended entries.</summary>
    public static string GuardianPartition(string guardianId) => "guardian|" + KeyText.Segment(guardianId);

    /// <summary>The partition an event belongs to; load tests not yet resolved to a guardian go to <c>unbound|service|flagKey</c>.</summary>
    public static string PartitionOf(InboundEvent evt) => evt switch
    {
        FlagChangedEvent f => FlagPartition(FlagScope.Of(f.Change)),
        LoadTestFinishedEvent { Result.GuardianId: { } g } => GuardianPartition(g),
        LoadTestFinishedEvent l => "unbound|" + KeyText.Segment(l.Result.Service ?? "") + "|" + KeyText.Segment(l.Result.FlagKey ?? ""),
        ChaosFinishedEvent c => GuardianPartition(c.Result.GuardianId),
        _ => throw new ArgumentException($"Unknown event kind {evt.GetType().Name}.", nameof(evt)),
    };

    /// <inheritdoc />
    public async Task<EventRecordResult> RecordAsync(InboundEvent evt, string? rawPayload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var table = await _tables.GetAsync(StorageTables.Events, cancellationToken);
        var partition = PartitionOf(evt);
        var now = _time.GetUtcNow();
        var raw = rawPayload ?? (evt as FlagChangedEvent)?.Change.RawPayload;

        var eventRow = new TableEntity(partition, $"{KeyText.Inverted(evt.Time)}|{KeyText.Segment(evt.Id)}|{KeyText.Hash(evt.Source)}")
        {
            ["Kind"] = EventJson.KindOf(evt),
            ["Type"] = evt.Type,
            ["Source"] = evt.Source,
            ["EventId"] = evt.Id,
            ["Time"] = evt.Time,
            ["Summary"] = EventJson.Summary(evt),
            ["RecordedAt"] = now,
        };
        LargeProperty.WriteText(eventRow, "Data", EventJson.Write(evt));
        var rawProperties = new TableEntity();
        LargeProperty.WriteCompressed(rawProperties, "Raw", raw);

        if (evt.TimeFromPayload && (rawProperties.GetInt32("RawChunks") ?? 0) <= 1 && !rawProperties.ContainsKey("RawOmitted"))
        {
            // Every redelivery carries the same time, so the event row's key is itself the de-dup key: one entity.
            // A large payload still goes to a marker, so queries over time rows never download more than one chunk.
            CopyRaw(rawProperties, eventRow);
            try
            {
                await table.AddEntityAsync(eventRow, cancellationToken);
                return new EventRecordResult.Recorded(new RecordedEvent(evt, now, raw));
            }
            catch (RequestFailedException e) when (e.Status == TableFailures.Conflict)
            {
                return new EventRecordResult.Duplicate(await ReadRecordedAsync(table, partition, eventRow.RowKey, MarkerRowKey(evt), cancellationToken));
            }
        }

        var marker = new TableEntity(partition, MarkerRowKey(evt))
        {
            ["EventRowKey"] = eventRow.RowKey,
            ["RecordedAt"] = now,
        };
        CopyRaw(rawProperties, marker);

        try
        {
            await table.SubmitTransactionAsync(
                [new TableTransactionAction(TableTransactionActionType.Add, marker), new TableTransactionAction(TableTransactionActionType.Add, eventRow)],
                cancellationToken);
            return new EventRecordResult.Recorded(new RecordedEvent(evt, now, raw));
        }
        catch (TableTransactionFailedException e) when (e.Status == TableFailures.Conflict && e.FailedIndex() is 0 or -1)
        {
            return new EventRecordResult.Duplicate(await ReadRecordedAsync(table, partition, marker.RowKey, cancellationToken)
                ?? await ReadRecordedAsync(table, partition, eventRow.RowKey, marker.RowKey, cancellationToken));
        }
        catch (TableTransactionFailedException e) when (e.Status == TableFailures.Conflict && e.FailedIndex() == 1)
        {
            // No marker but the event row exists: a delivery of this event with its time from the payload wrote it as one entity.
            return new EventRecordResult.Duplicate(await ReadRecordedAsync(table, partition, eventRow.RowKey, marker.RowKey, cancellationToken));
        }
    }

    /// <inheritdoc />
    public async Task<FlagChangedEvent?> GetLatestChangeAsync(string provider, string? project, string? environment, string flagKey, CancellationToken cancellationToken = default)
    {
        var latest = await GetChangesAsync(new FlagScope(provider, project, environment, flagKey), "", TimeRowsEnd, 1, cancellationToken);
        return latest.Count == 0 ? null : latest[0];
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<FlagChangedEvent>> GetChangesSinceAsync(FlagScope flag, DateTimeOffset after, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        // Later than 'after' means a smaller inverted-ticks prefix.
        return GetChangesAsync(flag, "", KeyText.Inverted(after), max, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<FlagChange> FillPreviousStateAsync(FlagChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Previous is not null)
        {
            return change;
        }

        // Strictly earlier than ChangedAt: the inverted ticks of one tick before, or larger.
        var earlier = await GetChangesAsync(FlagScope.Of(change), KeyText.InvertedTicks(change.ChangedAt.UtcTicks - 1), TimeRowsEnd, 1, cancellationToken);
        return earlier.Count == 0 ? change : change with { Previous = earlier[0].Change.Current };
    }

    /// <inheritdoc />
    public async Task<ResultPage<TimelineEntry>> GetTimelineAsync(string guardianId, FlagScope? flag, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(guardianId);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, 1000);
        var position = TimelinePosition.Parse(continuation, hasFlag: flag is not null);
        var table = await _tables.GetAsync(StorageTables.Events, cancellationToken);

        var guardianTask = ReadStreamAsync(table, GuardianPartition(guardianId), position.Guardian, pageSize + 1, cancellationToken);
        var flagTask = flag is null
            ? Task.FromResult(new List<TableEntity>())
            : ReadStreamAsync(table, FlagPartition(flag), position.Flag, pageSize + 1, cancellationToken);
        var own = await guardianTask;
        var flagRows = await flagTask;

        var entries = new List<TimelineEntry>(pageSize);
        int g = 0, f = 0;
        while (entries.Count < pageSize && (g < own.Count || f < flagRows.Count))
        {
            // Newest first; on equal ticks the guardian's own entries come first, then RowKey order: stable across pages.
            var takeOwn = f >= flagRows.Count
                || (g < own.Count && string.CompareOrdinal(own[g].RowKey[..19], flagRows[f].RowKey[..19]) <= 0);
            entries.Add(ToTimelineEntry(takeOwn ? own[g++] : flagRows[f++]));
        }

        var next = new TimelinePosition(
            StreamPosition(position.Guardian, own, g),
            flag is null ? TimelinePosition.Done : StreamPosition(position.Flag, flagRows, f));
        return new ResultPage<TimelineEntry>(entries, next.IsDone ? null : next.Format());
    }

    /// <inheritdoc />
    public async Task AppendTimelineAsync(string guardianId, string kind, DateTimeOffset time, string id, string summary, string dataJson, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(guardianId);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentException.ThrowIfNullOrEmpty(id);
        var table = await _tables.GetAsync(StorageTables.Events, cancellationToken);
        var row = new TableEntity(GuardianPartition(guardianId), $"{KeyText.Inverted(time)}|{KeyText.Segment(id)}|{KeyText.Segment(kind)}")
        {
            ["Kind"] = kind,
            ["EventId"] = id,
            ["Time"] = time,
            ["Summary"] = summary,
            ["RecordedAt"] = _time.GetUtcNow(),
        };
        LargeProperty.WriteText(row, "Data", dataJson);
        await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }

    private static string MarkerRowKey(InboundEvent evt) => MarkerPrefix + KeyText.Segment(evt.Source) + "|" + KeyText.Segment(evt.Id);

    /// <summary>What a de-dup marker recorded (two-entity shape); null when there is no marker.</summary>
    private static async Task<RecordedEvent?> ReadRecordedAsync(TableClient table, string partition, string markerRowKey, CancellationToken cancellationToken)
    {
        var found = await table.GetEntityIfExistsAsync<TableEntity>(partition, markerRowKey, cancellationToken: cancellationToken);
        if (!found.HasValue)
        {
            return null;
        }

        var marker = found.Value!;
        var eventRowKey = marker.GetString("EventRowKey")
            ?? throw new InvalidDataException($"De-dup marker {partition}/{markerRowKey} lacks EventRowKey.");
        var row = (await table.GetEntityAsync<TableEntity>(partition, eventRowKey, cancellationToken: cancellationToken)).Value;
        return new RecordedEvent(ToEvent(row), marker.GetDateTimeOffset("RecordedAt") ?? row.Timestamp ?? default, LargeProperty.ReadCompressed(marker, "Raw"));
    }

    /// <summary>
    /// What an existing event row recorded: one entity holding its raw payload, or (when a delivery of the same event took
    /// the two-entity path) a row whose payload sits in the marker.
    /// </summary>
    private static async Task<RecordedEvent> ReadRecordedAsync(TableClient table, string partition, string eventRowKey, string markerRowKey, CancellationToken cancellationToken)
    {
        var row = (await table.GetEntityAsync<TableEntity>(partition, eventRowKey, cancellationToken: cancellationToken)).Value;
        if (!row.ContainsKey("RawLength"))
        {
            if (await ReadRecordedAsync(table, partition, markerRowKey, cancellationToken) is { } viaMarker)
            {
                return viaMarker;
            }
        }

        return new RecordedEvent(ToEvent(row) with { TimeFromPayload = true }, row.GetDateTimeOffset("RecordedAt") ?? row.Timestamp ?? default, LargeProperty.ReadCompressed(row, "Raw"));
    }

    /// <summary>The raw payload's properties (<c>Raw_*</c>, <c>RawChunks</c>, <c>RawLength</c>, <c>RawOmitted</c>).</summary>
    private static void CopyRaw(TableEntity from, TableEntity to)
    {
        foreach (var (name, value) in from)
        {
            if (name.StartsWith("Raw", StringComparison.Ordinal))
            {
                to[name] = value;
            }
        }
    }

    private async Task<IReadOnlyList<FlagChangedEvent>> GetChangesAsync(FlagScope flag, string fromRowKey, string toRowKeyExclusive, int max, CancellationToken cancellationToken)
    {
        var table = await _tables.GetAsync(StorageTables.Events, cancellationToken);
        var partition = FlagPartition(flag);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {fromRowKey} and RowKey lt {toRowKeyExclusive}");
        var changes = new List<FlagChangedEvent>(max);
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: max, cancellationToken: cancellationToken))
        {
            if (ToEvent(row) is FlagChangedEvent change)
            {
                changes.Add(change);
            }

            if (changes.Count == max)
            {
                break;
            }
        }

        return changes;
    }

    private static async Task<List<TableEntity>> ReadStreamAsync(TableClient table, string partition, string? afterRowKey, int take, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>(take);
        if (afterRowKey == TimelinePosition.Done)
        {
            return rows;
        }

        var filter = afterRowKey is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey lt {TimeRowsEnd}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {afterRowKey} and RowKey lt {TimeRowsEnd}");
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

    /// <summary>Where a stream continues: after the last consumed row, or done when everything it returned was consumed.</summary>
    private static string? StreamPosition(string? before, List<TableEntity> fetched, int consumed)
    {
        if (before == TimelinePosition.Done || consumed == fetched.Count)
        {
            // fetched holds at most pageSize + 1 rows and the merge consumes at most pageSize, so this means exhausted.
            return TimelinePosition.Done;
        }

        return consumed == 0 ? before : fetched[consumed - 1].RowKey;
    }

    private static InboundEvent ToEvent(TableEntity row) => EventJson.Read(
        row.GetString("Kind") ?? "",
        row.GetString("Source") ?? "",
        row.GetString("EventId") ?? "",
        row.GetDateTimeOffset("Time") ?? default,
        LargeProperty.ReadText(row, "Data") ?? "{}");

    private static TimelineEntry ToTimelineEntry(TableEntity row) => new(
        row.GetString("Kind") ?? "",
        row.GetDateTimeOffset("Time") ?? default,
        row.GetString("EventId") ?? "",
        row.GetString("Summary") ?? "",
        LargeProperty.ReadText(row, "Data") ?? "{}");

    /// <summary>The timeline continuation: the last RowKey consumed in each partition, or <see cref="Done"/>.</summary>
    private sealed record TimelinePosition(string? Guardian, string? Flag)
    {
        public const string Done = "~";
        private const string Version = "tl1";

        public bool IsDone => Guardian == Done && Flag == Done;

        public string Format() => Base64Url.Encode($"{Version}\n{Guardian}\n{Flag}");

        public static TimelinePosition Parse(string? token, bool hasFlag)
        {
            if (string.IsNullOrEmpty(token))
            {
                return new TimelinePosition(null, hasFlag ? null : Done);
            }

            var parts = Base64Url.TryDecode(token)?.Split('\n');
            if (parts is not [Version, var guardian, var flag])
            {
                throw new InvalidContinuationException("continuation", "is not a timeline token");
            }

            return new TimelinePosition(guardian.Length == 0 ? null : guardian, flag.Length == 0 || !hasFlag ? (hasFlag ? null : Done) : flag);
        }
    }
}

/// <summary>Opaque continuation tokens: base64url of UTF-8 text.</summary>
internal static class Base64Url
{
    public static string Encode(string text) => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    public static string? TryDecode(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
