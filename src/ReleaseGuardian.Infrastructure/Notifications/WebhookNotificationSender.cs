using System.Text.Json;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Notifications;

/// <summary>The <c>webhook</c> target: the message itself as camelCase JSON (<see cref="NotificationJsonContext"/>).</summary>
public sealed class WebhookNotificationSender(NotificationPoster poster) : INotificationSender
{
    /// <inheritdoc />
    public string TargetType => NotifyTargetTypes.Webhook;

    /// <summary>The JSON body for <paramref name="message"/>.</summary>
    public static byte[] Render(NotificationMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, NotificationJsonContext.Default.NotificationMessage);

    /// <inheritdoc />
    public Task<DeliveryOutcome> SendAsync(NotificationMessage message, NotifyTarget target, CancellationToken ct) =>
        poster.PostAsync(
            target,
            "application/json; charset=utf-8",
            Render(message),
            [new("Idempotency-Key", message.Id), new("X-ReleaseGuardian-Kind", message.Kind.ToString().ToLowerInvariant())],
            ct);
}
