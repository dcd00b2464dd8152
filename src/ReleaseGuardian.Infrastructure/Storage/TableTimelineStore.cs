using System.Text.Json;
using Azure.Data.Tables;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.Judgement;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// A guardian's timeline (docs/storage.md), merged newest first from up to five row streams, one range query each:
/// <list type="number">
/// <item>the guardian's <c>Events</c> partition: load tests, chaos results and appended entries (invalidations, baseline resets);</item>
/// <item>the guardian's <c>Runs</c> time rows: one <c>verdict</c> per judged run, at its <c>CreatedAt</c>;</item>
/// <item>the guardian's <c>Notifications</c> rows: a <c>notification</c> 2 ticks after the run, preceded (1 tick after
/// the run) by the <c>rollback</c> it reports;</item>
/// <item>the bound flag's <c>Events</c> partition: its changes;</item>
/// <item>the guardian's <c>Releases</c> rows: one <c>release</c> per release plan, at its start, with its stages as they stand.</item>
/// </list>
/// Verdicts, rollbacks and notifications are derived from where they are stored anyway, so a release evaluation
/// writes nothing extra for its timeline. Equal times keep the stream order above, then the stream's own order.
/// </summary>
public sealed class TableTimelineStore : ITimelineStore
{
    private const string TokenVersion = "tl3";

    /// <summary>Marks a stream that has nothing more in a token.</summary>
    private const string Done = "~";

    /// <summary>Separates a RowKey from how many of its row's entries were served (keys never hold '#').</summary>
    private const char Partial = '#';

    private readonly StorageTables _tables;
    private readonly TimeProvider _time;

    /// <summary>Creates the store.</summary>
    public TableTimelineStore(StorageTables tables, TimeProvider? time = null)
    {
        _tables = tables;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task<ResultPage<TimelineEntry>> GetTimelineAsync(string guardianId, FlagScope? flag, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(guardianId);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, 1000);
        var positions = ParseToken(continuation, hasFlag: flag is not null);
        var eventsTable = _tables.GetAsync(StorageTables.Events, cancellationToken);
        var runsTable = _tables.GetAsync(StorageTables.Runs, cancellationToken);
        var notificationsTable = _tables.GetAsync(StorageTables.Notifications, cancellationToken);
        var releasesTable = _tables.GetAsync(TableReleaseStore.Table, cancellationToken);
        var events = await eventsTable;
        var notificationPrefix = TableNotificationStore.GuardianPrefix(guardianId);

        // The order here is the token's order and the tie-break order of equal times.
        RowStream[] streams =
        [
            new(events, TableEventStore.GuardianPartition(guardianId), "", TableEventStore.TimeRowsEnd, GuardianEntries),
            new(await runsTable, TableRunStore.Partition(guardianId), TableRunStore.TimeRowsStart, KeyText.AfterPrefix(TableRunStore.TimePrefix), row => VerdictEntries(guardianId, row)),
            new(await notificationsTable, TableNotificationStore.Partition, notificationPrefix, KeyText.AfterPrefix(notificationPrefix), NotificationEntries),
            new(events, flag is null ? "" : TableEventStore.FlagPartition(flag), "", TableEventStore.TimeRowsEnd, row => [EventEntry(row)]),
            new(await releasesTable, KeyText.Segment(guardianId), "", "~", ReleaseEntries),
        ];

        var fetched = await Task.WhenAll(streams.Select((s, i) => ReadAsync(s, positions[i], pageSize + 1, cancellationToken)));

        var entries = new List<TimelineEntry>(pageSize);
        while (entries.Count < pageSize && Next(fetched) is { } next)
        {
            entries.Add(next.Entries[next.Served++].Entry);
        }

        var after = fetched.Select(f => f.Position()).ToArray();
        return new ResultPage<TimelineEntry>(entries, after.All(p => p == Done) ? null : FormatToken(after));
    }

    /// <inheritdoc />
    public async Task AppendTimelineAsync(string guardianId, string kind, DateTimeOffset time, string id, string summary, string dataJson, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(guardianId);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentException.ThrowIfNullOrEmpty(id);
        var table = await _tables.GetAsync(StorageTables.Events, cancellationToken);
        var row = new TableEntity(TableEventStore.GuardianPartition(guardianId), $"{KeyText.Inverted(time)}|{KeyText.Segment(id)}|{KeyText.Segment(kind)}")
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

    /// <summary>
    /// The stream whose next entry comes next: the newest, the earlier stream on equal times. Null when nothing is
    /// left, or when a stream has served everything it read but has more in storage: its next entry is unknown, so
    /// the page ends there (only streams with rows that are no entry can run short of a page).
    /// </summary>
    private static Fetched? Next(Fetched[] streams)
    {
        Fetched? best = null;
        foreach (var stream in streams)
        {
            if (stream.Served == stream.Entries.Count)
            {
                if (!stream.Exhausted)
                {
                    return null;
                }

                continue;
            }

            if (best is null || stream.Entries[stream.Served].Entry.Time.UtcTicks > best.Entries[best.Served].Entry.Time.UtcTicks)
            {
                best = stream;
            }
        }

        return best;
    }

    private static async Task<Fetched> ReadAsync(RowStream stream, string? position, int take, CancellationToken cancellationToken)
    {
        if (position == Done)
        {
            return new Fetched(position, [], exhausted: true, lastRowKey: null);
        }

        // A row whose first entries were served is read again and those entries skipped.
        var (afterRowKey, servedOfRow) = position is null ? (null, 0) : SplitPosition(position);
        var filter = afterRowKey is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {stream.Partition} and RowKey ge {stream.From} and RowKey lt {stream.To}")
            : servedOfRow > 0
                ? TableClient.CreateQueryFilter($"PartitionKey eq {stream.Partition} and RowKey ge {afterRowKey} and RowKey lt {stream.To}")
                : TableClient.CreateQueryFilter($"PartitionKey eq {stream.Partition} and RowKey gt {afterRowKey} and RowKey lt {stream.To}");

        var entries = new List<RowEntry>(take);
        var rows = 0;
        string? last = null;
        await foreach (var row in stream.Table.QueryAsync<TableEntity>(filter, maxPerPage: take, cancellationToken: cancellationToken))
        {
            var ofRow = stream.Entries(row);
            var skip = row.RowKey == afterRowKey ? servedOfRow : 0;
            for (var i = skip; i < ofRow.Count; i++)
            {
                entries.Add(new RowEntry(ofRow[i], row.RowKey, i + 1 == ofRow.Count ? 0 : i + 1));
            }

            last = row.RowKey;
            if (++rows == take)
            {
                break;
            }
        }

        return new Fetched(position, entries, exhausted: rows < take, last);
    }

    private static (string RowKey, int Served) SplitPosition(string position)
    {
        var mark = position.LastIndexOf(Partial);
        return mark < 0 ? (position, 0) : (position[..mark], int.Parse(position.AsSpan(mark + 1), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The guardian's own Events rows. Before token version tl2 the workflow also copied its verdicts, rollbacks
    /// and notifications there; those copies are skipped because the Runs and Notifications streams serve them
    /// now. What is still appended there with kind verdict are invalidations and baseline resets (RunService).
    /// </summary>
    private static IReadOnlyList<TimelineEntry> GuardianEntries(TableEntity row)
    {
        var entry = EventEntry(row);
        var copied = entry.Kind is TimelineKinds.Rollback or TimelineKinds.Notification
            || (entry.Kind == TimelineKinds.Verdict && entry.Id != "baseline-reset" && !entry.Id.EndsWith(":invalidated", StringComparison.Ordinal));
        return copied ? [] : [entry];
    }

    private static TimelineEntry EventEntry(TableEntity row) => new(
        row.GetString("Kind") ?? "",
        row.GetDateTimeOffset("Time") ?? default,
        row.GetString("EventId") ?? "",
        row.GetString("Summary") ?? "",
        LargeProperty.ReadText(row, "Data") ?? "{}");

    /// <summary>A judged run as its verdict entry, with the headline the workflow reported for it.</summary>
    private static IReadOnlyList<TimelineEntry> VerdictEntries(string guardianId, TableEntity row)
    {
        var run = TableRunStore.ToRun(row);
        if (run.VerdictJson is null)
        {
            return [];
        }

        var verdict = VerdictJson.Parse(run.VerdictJson).Value;
        var summary = verdict is null ? $"run {run.RunId} judged ({run.Status ?? "no status"})" : VerdictHeadline.Of(guardianId, verdict);
        return [new TimelineEntry(TimelineKinds.Verdict, run.CreatedAt, run.RunId, summary, run.VerdictJson)];
    }

    /// <summary>
    /// A notification, and before it the rollback it reports. Both keep the times the workflow used when it
    /// appended them: the run's time (the notification's) + 1 tick for the rollback, + 2 for the notification.
    /// </summary>
    private static IReadOnlyList<TimelineEntry> NotificationEntries(TableEntity row)
    {
        var record = TableNotificationStore.ToNotification(row);
        var message = ReadMessage(record.BodyJson);
        var notification = new TimelineEntry(TimelineKinds.Notification, record.Time.AddTicks(2), record.Id,
            message?.Headline ?? $"{record.Kind} notification {record.Id}", record.BodyJson);
        if (record.RollbackJson is null)
        {
            return [notification];
        }

        var rollback = ReadRollback(record.RollbackJson);
        var runId = message?.RunId ?? record.Id;
        return
        [
            notification,
            new TimelineEntry(TimelineKinds.Rollback, record.Time.AddTicks(1), $"{runId}:rollback",
                rollback?.Summary ?? $"rollback of run {runId}", record.RollbackJson),
        ];
    }

    /// <summary>
    /// A release at its start time, its data the whole release (stages, verdicts, state) as it stands: the row is
    /// rewritten at every step, so the entry always shows the latest.
    /// </summary>
    private static IReadOnlyList<TimelineEntry> ReleaseEntries(TableEntity row)
    {
        var record = TableReleaseStore.ToRecord(row);
        try
        {
            // The report's own start time, so the entry's time is exactly the release's startedAt.
            var report = ReleaseRecords.ReportOf(record);
            return [new TimelineEntry(TimelineKinds.Release, report.StartedAt, record.ReleaseId, ReleaseStageText.Summary(report), record.ReportJson)];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
        {
            return [new TimelineEntry(TimelineKinds.Release, record.StartedAt, record.ReleaseId, $"release {record.ReleaseId}: {record.State}", record.ReportJson)];
        }
    }

    private static NotificationMessage? ReadMessage(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, NotificationJsonContext.Default.NotificationMessage);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static RollbackFlagResult? ReadRollback(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, WorkflowJsonContext.Default.RollbackFlagResult);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Token: <c>tl3</c> and one line per stream (guardian events, runs, notifications, flag events, releases): empty before
    /// the first page, <c>~</c> when done, else the last served RowKey, with <c>#n</c> when only the first n
    /// entries of that row were served.
    /// </summary>
    private static string FormatToken(string?[] positions) => Base64Url.Encode(TokenVersion + "\n" + string.Join('\n', positions));

    private static string?[] ParseToken(string? token, bool hasFlag)
    {
        if (string.IsNullOrEmpty(token))
        {
            return [null, null, null, hasFlag ? null : Done, null];
        }

        var parts = Base64Url.TryDecode(token)?.Split('\n');
        if (parts is not [TokenVersion, _, _, _, _, _] || !parts.Skip(1).All(IsPosition))
        {
            throw new InvalidContinuationException("continuation", "is not a timeline token");
        }

        var positions = parts[1..].Select(p => p.Length == 0 ? null : p).ToArray();
        if (!hasFlag)
        {
            positions[3] = Done;
        }

        return positions;
    }

    private static bool IsPosition(string position)
    {
        var mark = position.LastIndexOf(Partial);
        return mark < 0 || (mark > 0 && int.TryParse(position.AsSpan(mark + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0);
    }

    /// <summary>One row stream: a RowKey range of one partition, and the timeline entries each row stands for.</summary>
    private sealed record RowStream(TableClient Table, string Partition, string From, string To, Func<TableEntity, IReadOnlyList<TimelineEntry>> Entries);

    /// <summary>An entry and where it sits: its row, and 0 when it is its row's last entry, else how many of the row's entries it completes.</summary>
    private readonly record struct RowEntry(TimelineEntry Entry, string RowKey, int ServedOfRow);

    /// <summary>What one page read of a stream, and how much of it the merge served.</summary>
    private sealed class Fetched(string? before, List<RowEntry> entries, bool exhausted, string? lastRowKey)
    {
        public List<RowEntry> Entries { get; } = entries;

        /// <summary>The read returned fewer rows than asked: nothing follows in storage.</summary>
        public bool Exhausted { get; } = exhausted;

        public int Served { get; set; }

        /// <summary>Where the next page continues this stream.</summary>
        public string? Position()
        {
            if (before == Done)
            {
                return Done;
            }

            if (Served == Entries.Count)
            {
                // Everything read was served (rows that are no entry included): done, or after the last row read.
                return Exhausted ? Done : lastRowKey ?? before;
            }

            if (Served == 0)
            {
                return before;
            }

            var last = Entries[Served - 1];
            return last.ServedOfRow == 0 ? last.RowKey : last.RowKey + Partial + last.ServedOfRow.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
