using System.Text.Json;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Notifications;

/// <summary>
/// The <c>teams</c> target: a Teams Workflows webhook message carrying an Adaptive Card 1.4
/// (<c>{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{...}}]}</c>)
/// with the headline, the change and action as TextBlocks and one fact per objective.
/// </summary>
public sealed class TeamsNotificationSender(NotificationPoster poster) : INotificationSender
{
    /// <summary>The attachment content type of an Adaptive Card.</summary>
    public const string AdaptiveCardContentType = "application/vnd.microsoft.card.adaptive";

    /// <inheritdoc />
    public string TargetType => NotifyTargetTypes.Teams;

    /// <summary>The Workflows webhook body for <paramref name="message"/>.</summary>
    public static byte[] Render(NotificationMessage message)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "message");
            writer.WriteStartArray("attachments");
            writer.WriteStartObject();
            writer.WriteString("contentType", AdaptiveCardContentType);
            writer.WriteNull("contentUrl");
            writer.WriteStartObject("content");
            writer.WriteString("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
            writer.WriteString("type", "AdaptiveCard");
            writer.WriteString("version", "1.4");
            writer.WriteStartArray("body");

            TextBlock(writer, message.Headline, weight: "Bolder", size: "Medium", color: Color(message));
            TextBlock(
                writer,
                $"{message.GuardianName} · run {message.RunId} · score {NotificationText.Score(message.Score)} · {NotificationText.Time(message.At)}",
                isSubtle: true);
            if (message.Change is { } change)
            {
                TextBlock(writer, "Change: " + NotificationText.Change(change));
            }

            TextBlock(writer, "Action: " + message.Action.Summary);
            if (message.Action.Error is { } error)
            {
                TextBlock(writer, "Error: " + error, color: "Attention");
            }

            foreach (var (step, index) in message.Action.ManualSteps.Select((s, i) => (s, i + 1)))
            {
                TextBlock(writer, $"{index}. {step}");
            }

            writer.WriteStartObject();
            writer.WriteString("type", "FactSet");
            writer.WriteStartArray("facts");
            foreach (var objective in message.Objectives)
            {
                writer.WriteStartObject();
                writer.WriteString("title", objective.Key ? $"{objective.Name} (key)" : objective.Name);
                writer.WriteString("value", NotificationText.Objective(objective));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();

            writer.WriteStartArray("actions");
            OpenUrl(writer, "View run", message.Links.RunUrl);
            OpenUrl(writer, "Guardian status", message.Links.StatusUrl);
            writer.WriteEndArray();

            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <inheritdoc />
    public Task<DeliveryOutcome> SendAsync(NotificationMessage message, NotifyTarget target, CancellationToken ct) =>
        poster.PostAsync(target, "application/json; charset=utf-8", Render(message), null, ct);

    private static void TextBlock(Utf8JsonWriter writer, string text, string? weight = null, string? size = null, string? color = null, bool isSubtle = false)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "TextBlock");
        writer.WriteString("text", text);
        writer.WriteBoolean("wrap", true);
        if (weight is not null)
        {
            writer.WriteString("weight", weight);
        }

        if (size is not null)
        {
            writer.WriteString("size", size);
        }

        if (color is not null)
        {
            writer.WriteString("color", color);
        }

        if (isSubtle)
        {
            writer.WriteBoolean("isSubtle", true);
        }

        writer.WriteEndObject();
    }

    private static void OpenUrl(Utf8JsonWriter writer, string title, string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("type", "Action.OpenUrl");
        writer.WriteString("title", title);
        writer.WriteString("url", uri.AbsoluteUri);
        writer.WriteEndObject();
    }

    private static string Color(NotificationMessage message) => message.Decision switch
    {
        Decision.Go => "Good",
        Decision.Inconclusive => "Warning",
        _ => "Attention",
    };
}
