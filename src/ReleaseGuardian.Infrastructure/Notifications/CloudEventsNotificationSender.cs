using System.Text.Json;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Notifications;

/// <summary>
/// The <c>cloudevents</c> target: a CloudEvents 1.0 event in structured mode
/// (<c>application/cloudevents+json</c>). The type is <c>releaseguardian.flag.rolledback.v1</c> for a
/// rollback and <c>releaseguardian.run.judged.v1</c> otherwise; the data is the message.
/// </summary>
public sealed class CloudEventsNotificationSender(NotificationPoster poster) : INotificationSender
{
    /// <summary>The structured-mode media type.</summary>
    public const string MediaType = "application/cloudevents+json";

    /// <inheritdoc />
    public string TargetType => NotifyTargetTypes.CloudEvents;

    /// <summary>The event type for a message.</summary>
    public static string EventType(NotificationMessage message) =>
        message.Kind == NotificationKind.RolledBack ? EventTypes.FlagRolledBack : EventTypes.RunJudged;

    /// <summary>The event source: <c>/releaseguardian/guardians/{id}</c>.</summary>
    public static string Source(NotificationMessage message) => $"/releaseguardian/guardians/{Uri.EscapeDataString(message.GuardianId)}";

    /// <summary>The structured-mode event for <paramref name="message"/>.</summary>
    public static byte[] Render(NotificationMessage message)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("specversion", "1.0");
            writer.WriteString("id", message.Id);
            writer.WriteString("source", Source(message));
            writer.WriteString("type", EventType(message));
            writer.WriteString("subject", $"runs/{message.RunId}");
            writer.WriteString("time", message.At.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("datacontenttype", "application/json");
            writer.WritePropertyName("data");
            JsonSerializer.Serialize(writer, message, NotificationJsonContext.Default.NotificationMessage);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <inheritdoc />
    public Task<DeliveryOutcome> SendAsync(NotificationMessage message, NotifyTarget target, CancellationToken ct) =>
        poster.PostAsync(target, MediaType + "; charset=utf-8", Render(message), null, ct);
}
