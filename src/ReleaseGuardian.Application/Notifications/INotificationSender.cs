using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Application.Notifications;

/// <summary>
/// Delivers a notification to one kind of target (webhook, slack, teams, cloudevents). A sender never throws
/// for a failed delivery: it returns an outcome saying what happened, so that one bad target never
/// stops the others.
/// </summary>
public interface INotificationSender
{
    /// <summary>The <c>policy.notify[].type</c> this sender handles (<see cref="NotifyTargetTypes"/>).</summary>
    string TargetType { get; }

    /// <summary>Renders <paramref name="message"/> for the target and POSTs it, with retries on transient failures.</summary>
    Task<DeliveryOutcome> SendAsync(NotificationMessage message, NotifyTarget target, CancellationToken ct);
}

/// <summary>What happened to one delivery; stored with the run as the notification record.</summary>
/// <param name="TargetType">webhook, slack, teams or cloudevents.</param>
/// <param name="Url">The target URL with credentials, query string and (for chat webhooks) the secret path redacted; see <see cref="NotificationUrl.Redact"/>.</param>
/// <param name="Delivered">True when the target answered 2xx.</param>
/// <param name="StatusCode">The last HTTP status received, if any.</param>
/// <param name="Error">Why it was not delivered (never contains the URL's secrets).</param>
/// <param name="Attempts">How many HTTP attempts were made (retries included; 0 when none was possible).</param>
/// <param name="At">When the delivery finished.</param>
public sealed record DeliveryOutcome(
    string TargetType,
    string Url,
    bool Delivered,
    int? StatusCode,
    string? Error,
    int Attempts,
    DateTimeOffset At);
