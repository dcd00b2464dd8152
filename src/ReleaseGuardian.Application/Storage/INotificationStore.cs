namespace ReleaseGuardian.Application.Storage;

/// <summary>Notifications sent about verdicts and rollbacks, with their per-target delivery outcomes.</summary>
public interface INotificationStore
{
    /// <summary>
    /// Records a notification once: <see cref="WriteOutcome.Created"/>, or <see cref="WriteOutcome.Conflict"/> when a
    /// notification with the same id and time was recorded before (the caller has sent it already).
    /// </summary>
    /// <param name="notification">The notification.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<WriteResult> SaveAsync(NotificationRecord notification, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the delivery outcomes of a saved notification; <see cref="WriteOutcome.NotFound"/> when it was not saved.
    /// </summary>
    /// <param name="notification">The notification as saved (its guardian, time and id locate it).</param>
    /// <param name="deliveries">The outcome per target.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<WriteResult> UpdateDeliveriesAsync(NotificationRecord notification, IReadOnlyList<DeliveryOutcome> deliveries, CancellationToken cancellationToken = default);

    /// <summary>Notifications newest first, of every guardian or of one, paged.</summary>
    /// <param name="guardianId">Only this guardian's; null for all.</param>
    /// <param name="pageSize">Notifications per page (1..1000).</param>
    /// <param name="continuation">The previous page's token, or null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="InvalidContinuationException">The token was not produced by this listing.</exception>
    Task<ResultPage<NotificationRecord>> ListAsync(string? guardianId, int pageSize, string? continuation, CancellationToken cancellationToken = default);
}

/// <summary>A notification about a guardian's verdict or rollback.</summary>
/// <param name="Id">The notification id (unique per guardian and time).</param>
/// <param name="GuardianId">The guardian.</param>
/// <param name="Kind">One of <see cref="NotificationKinds"/>.</param>
/// <param name="Time">When it was raised.</param>
/// <param name="BodyJson">What was sent, with its evidence, as JSON.</param>
/// <param name="Deliveries">The outcome per notify target.</param>
/// <param name="RollbackJson">The rollback the notification reports (the workflow's <c>RollbackFlagResult</c> as JSON), when one was attempted.</param>
public sealed record NotificationRecord(
    string Id,
    string GuardianId,
    string Kind,
    DateTimeOffset Time,
    string BodyJson,
    IReadOnlyList<DeliveryOutcome> Deliveries,
    string? RollbackJson = null);

/// <summary>How sending to one target went.</summary>
/// <param name="Target">The target, e.g. <c>webhook https://example.org/hook</c> (never a secret).</param>
/// <param name="Succeeded">Whether the target accepted it.</param>
/// <param name="StatusCode">The target's HTTP status, where there was one.</param>
/// <param name="Error">What went wrong, when it failed.</param>
/// <param name="At">When it was attempted.</param>
/// <param name="Attempts">How many attempts were made.</param>
public sealed record DeliveryOutcome(string Target, bool Succeeded, int? StatusCode, string? Error, DateTimeOffset At, int Attempts = 1);

/// <summary>The kinds of notifications.</summary>
public static class NotificationKinds
{
    /// <summary>A No-Go verdict (no rollback configured or nothing to roll back).</summary>
    public const string NoGo = "nogo";

    /// <summary>A flag change was rolled back.</summary>
    public const string Rollback = "rollback";

    /// <summary>A rollback was attempted and failed.</summary>
    public const string RollbackFailed = "rollback-failed";

    /// <summary>An inconclusive verdict.</summary>
    public const string Inconclusive = "inconclusive";

    /// <summary>A newer change superseded the change under test; nothing was rolled back.</summary>
    public const string Superseded = "superseded";

    /// <summary>A release plan's stage event.</summary>
    public const string Release = "release";
}
