using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using ReleaseGuardian.Application.Storage;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// Notifications in the <c>Notifications</c> table, all in one partition <c>all</c> so that both listings are range
/// queries and both copies of a notification are written in one entity group transaction:
/// <c>t|{inverted time}|{id}</c> (all, newest first) and <c>g|{guardian}|{inverted time}|{id}</c> (by guardian).
/// One partition caps throughput at about 2,000 entities a second, far above the rate of notifications.
/// </summary>
public sealed class TableNotificationStore : INotificationStore
{
    /// <summary>The single partition.</summary>
    public const string Partition = "all";

    private const string AllPrefix = "t|";
    private const string TokenVersion = "ntf1\n";

    private readonly StorageTables _tables;

    /// <summary>Creates the store.</summary>
    public TableNotificationStore(StorageTables tables) => _tables = tables;

    /// <inheritdoc />
    public async Task<WriteResult> SaveAsync(NotificationRecord notification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentException.ThrowIfNullOrEmpty(notification.Id);
        ArgumentException.ThrowIfNullOrEmpty(notification.GuardianId);
        var table = await _tables.GetAsync(StorageTables.Notifications, cancellationToken);
        try
        {
            var response = await table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, ToRow(notification, AllRowKey(notification))),
                    new TableTransactionAction(TableTransactionActionType.Add, ToRow(notification, GuardianRowKey(notification))),
                ],
                cancellationToken);
            return new WriteResult(WriteOutcome.Created, response.ETagAt(0));
        }
        catch (TableTransactionFailedException e) when (e.Status == TableFailures.Conflict)
        {
            // Recorded before: a replayed activity must learn that, or it would notify people twice.
            return WriteResult.Conflict;
        }
    }

    /// <inheritdoc />
    public async Task<WriteResult> UpdateDeliveriesAsync(NotificationRecord notification, IReadOnlyList<DeliveryOutcome> deliveries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentNullException.ThrowIfNull(deliveries);
        var table = await _tables.GetAsync(StorageTables.Notifications, cancellationToken);
        TableEntity Patch(string rowKey)
        {
            var row = new TableEntity(Partition, rowKey);
            LargeProperty.WriteText(row, "Deliveries", WriteDeliveries(deliveries));
            return row;
        }

        try
        {
            var response = await table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.UpdateMerge, Patch(AllRowKey(notification)), ETag.All),
                    new TableTransactionAction(TableTransactionActionType.UpdateMerge, Patch(GuardianRowKey(notification)), ETag.All),
                ],
                cancellationToken);
            return new WriteResult(WriteOutcome.Updated, response.ETagAt(0));
        }
        catch (TableTransactionFailedException e) when (e.Status == TableFailures.NotFound)
        {
            return WriteResult.NotFound;
        }
    }

    /// <inheritdoc />
    public async Task<ResultPage<NotificationRecord>> ListAsync(string? guardianId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, 1000);
        var prefix = guardianId is null ? AllPrefix : GuardianPrefix(guardianId);
        var after = prefix;
        if (!string.IsNullOrEmpty(continuation))
        {
            var text = Base64Url.TryDecode(continuation);
            if (text is null || !text.StartsWith(TokenVersion + prefix, StringComparison.Ordinal))
            {
                throw new InvalidContinuationException("continuation", "is not a token of this notifications listing");
            }

            after = text[TokenVersion.Length..];
        }

        var table = await _tables.GetAsync(StorageTables.Notifications, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey gt {after} and RowKey lt {KeyText.AfterPrefix(prefix)}");
        var (page, next) = await TablePage.ReadAsync(table, filter, pageSize, TokenVersion, cancellationToken);
        return new ResultPage<NotificationRecord>(page.Select(ToNotification).ToList(), next);
    }

    private static string AllRowKey(NotificationRecord n) => $"{AllPrefix}{KeyText.Inverted(n.Time)}|{KeyText.Segment(n.Id)}";

    /// <summary>The RowKey prefix of one guardian's copies (the timeline reads them too).</summary>
    internal static string GuardianPrefix(string guardianId) => $"g|{KeyText.Segment(guardianId)}|";

    private static string GuardianRowKey(NotificationRecord n) => $"{GuardianPrefix(n.GuardianId)}{KeyText.Inverted(n.Time)}|{KeyText.Segment(n.Id)}";

    private static TableEntity ToRow(NotificationRecord n, string rowKey)
    {
        var row = new TableEntity(Partition, rowKey)
        {
            ["NotificationId"] = n.Id,
            ["GuardianId"] = n.GuardianId,
            ["Kind"] = n.Kind,
            ["Time"] = n.Time,
        };
        LargeProperty.WriteText(row, "Body", n.BodyJson);
        LargeProperty.WriteText(row, "Deliveries", WriteDeliveries(n.Deliveries));
        LargeProperty.WriteText(row, "Rollback", n.RollbackJson);
        return row;
    }

    internal static NotificationRecord ToNotification(TableEntity row) => new(
        row.GetString("NotificationId") ?? "",
        row.GetString("GuardianId") ?? "",
        row.GetString("Kind") ?? "",
        row.GetDateTimeOffset("Time") ?? default,
        LargeProperty.ReadText(row, "Body") ?? "{}",
        ReadDeliveries(LargeProperty.ReadText(row, "Deliveries")),
        LargeProperty.ReadText(row, "Rollback"));

    private static string WriteDeliveries(IReadOnlyList<DeliveryOutcome> deliveries) => EventJson.Write(w =>
    {
        w.WriteStartArray();
        foreach (var d in deliveries)
        {
            w.WriteStartObject();
            w.WriteString("target", d.Target);
            w.WriteBoolean("succeeded", d.Succeeded);
            if (d.StatusCode is { } status)
            {
                w.WriteNumber("statusCode", status);
            }

            if (d.Error is not null)
            {
                w.WriteString("error", d.Error);
            }

            w.WriteString("at", d.At);
            w.WriteNumber("attempts", d.Attempts);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    });

    private static List<DeliveryOutcome> ReadDeliveries(string? json)
    {
        var deliveries = new List<DeliveryOutcome>();
        if (string.IsNullOrEmpty(json))
        {
            return deliveries;
        }

        using var doc = JsonDocument.Parse(json);
        foreach (var d in doc.RootElement.EnumerateArray())
        {
            deliveries.Add(new DeliveryOutcome(
                d.GetProperty("target").GetString() ?? "",
                d.GetProperty("succeeded").GetBoolean(),
                d.TryGetProperty("statusCode", out var s) ? s.GetInt32() : null,
                d.TryGetProperty("error", out var e) ? e.GetString() : null,
                d.GetProperty("at").GetDateTimeOffset(),
                d.TryGetProperty("attempts", out var a) ? a.GetInt32() : 1));
        }

        return deliveries;
    }
}
