using Azure;
using Azure.Data.Tables;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// Events in the <c>Events</c> table (docs/storage.md). Each partition is one flag
/// (<c>flag|provider|project|environment|key</c>) or one guardian (<c>guardian|id</c>); <see cref="TableTimelineStore"/>
/// reads and appends timeline entries in the same partitions. Time rows have
/// RowKey <c>{inverted ticks}|{id}|{discriminator}</c>, so a partition reads newest first; de-dup markers have RowKey
/// <c>~dedup|{source}|{id}</c>, after every time row. An event whose time comes from its payload
/// (<see cref="InboundEvent.TimeFromPayload"/>) is one entity, the event row with the raw payload, whose key already
/// de-duplicates; any other event is a marker (with the raw payload) and the event row, in one entity group transaction.
/// </summary>
public sealed class TableEventStore : IEventStore
{
    private const string MarkerPrefix = "~dedup|";

    /// <summary>Every time row's RowKey sorts below this (inverted ticks are digits).</summary>
    internal const string TimeRowsEnd = "~";

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
        var newest = await GetChangesAsync(new FlagScope(provider, project, environment, flagKey), "", TimeRowsEnd, SameMomentReads, cancellationToken);
        return LatestOfNewestMoment(newest);
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
        var earlier = LatestOfNewestMoment(await GetChangesAsync(
            FlagScope.Of(change), KeyText.InvertedTicks(change.ChangedAt.UtcTicks - 1), TimeRowsEnd, SameMomentReads, cancellationToken));
        return earlier is null ? change : change with { Previous = earlier.Change.Current };
    }

    // Rows of one moment sort by id as text ("10" before "9"), and a burst (Unleash's strategy-add and
    // environment-enabled of one transaction) shares its time: read a few and let FlagChangeOrder pick.
    private const int SameMomentReads = 10;

    private static FlagChangedEvent? LatestOfNewestMoment(IReadOnlyList<FlagChangedEvent> newestFirst)
    {
        if (newestFirst.Count == 0)
        {
            return null;
        }

        var moment = newestFirst[0].Change.ChangedAt;
        var latest = FlagChangeOrder.Latest(newestFirst.Select(e => e.Change).Where(c => c.ChangedAt == moment));
        return newestFirst.First(e => ReferenceEquals(e.Change, latest));
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
        await foreach (var selected in table.QueryAsync<TableEntity>(filter, max, EventColumns, cancellationToken))
        {
            // A change whose data spans chunks (rare: 30,000 characters) is read whole.
            var row = selected.GetInt32("DataChunks") > 1
                ? (await table.GetEntityAsync<TableEntity>(selected.PartitionKey, selected.RowKey, cancellationToken: cancellationToken)).Value
                : selected;
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

    // What reading an event back needs: not the raw payload a one-entity row carries, which queries would download.
    private static readonly string[] EventColumns = ["PartitionKey", "RowKey", "Kind", "Source", "EventId", "Time", "Data", "DataChunks"];

    private static InboundEvent ToEvent(TableEntity row) => EventJson.Read(
        row.GetString("Kind") ?? "",
        row.GetString("Source") ?? "",
        row.GetString("EventId") ?? "",
        row.GetDateTimeOffset("Time") ?? default,
        LargeProperty.ReadText(row, "Data") ?? "{}");
}
