using System.Text;
using System.Text.Json;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Notifications;

/// <summary>
/// The <c>slack</c> target: an incoming-webhook message, <c>{"text": headline, "blocks": [header, section
/// with one mrkdwn field per objective, context]}</c>. Slack's limits are respected: a header is at most 150
/// characters, a section at most 10 fields (more objectives continue in further sections).
/// </summary>
public sealed class SlackNotificationSender(NotificationPoster poster) : INotificationSender
{
    private const int HeaderMax = 150;
    private const int FieldsPerSection = 10;
    private const int FieldMax = 2000;
    private const int SectionTextMax = 3000;

    /// <inheritdoc />
    public string TargetType => NotifyTargetTypes.Slack;

    /// <summary>The incoming-webhook body for <paramref name="message"/>.</summary>
    public static byte[] Render(NotificationMessage message)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            // The top-level text is what notifications and screen readers show.
            writer.WriteString("text", message.Headline);
            writer.WriteStartArray("blocks");

            writer.WriteStartObject();
            writer.WriteString("type", "header");
            writer.WriteStartObject("text");
            writer.WriteString("type", "plain_text");
            writer.WriteString("text", NotificationText.Truncate($"{Emoji(message)} {NotificationText.Decision(message.Decision)}: {message.GuardianName}", HeaderMax));
            writer.WriteBoolean("emoji", true);
            writer.WriteEndObject();
            writer.WriteEndObject();

            var chunks = message.Objectives.Chunk(FieldsPerSection).ToList();
            for (var i = 0; i < Math.Max(1, chunks.Count); i++)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "section");
                if (i == 0)
                {
                    writer.WriteStartObject("text");
                    writer.WriteString("type", "mrkdwn");
                    writer.WriteString("text", NotificationText.Truncate(Summary(message), SectionTextMax));
                    writer.WriteEndObject();
                }

                if (chunks.Count > 0)
                {
                    writer.WriteStartArray("fields");
                    foreach (var objective in chunks[i])
                    {
                        writer.WriteStartObject();
                        writer.WriteString("type", "mrkdwn");
                        writer.WriteString("text", NotificationText.Truncate(Field(objective), FieldMax));
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteStartObject();
            writer.WriteString("type", "context");
            writer.WriteStartArray("elements");
            writer.WriteStartObject();
            writer.WriteString("type", "mrkdwn");
            writer.WriteString("text", Context(message));
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <inheritdoc />
    public Task<DeliveryOutcome> SendAsync(NotificationMessage message, NotifyTarget target, CancellationToken ct) =>
        poster.PostAsync(target, "application/json; charset=utf-8", Render(message), null, ct);

    /// <summary>Escapes the three characters Slack's mrkdwn treats as control characters.</summary>
    public static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Summary(NotificationMessage message)
    {
        var text = new StringBuilder("*").Append(Escape(message.Headline)).Append('*');
        if (message.Change is { } change)
        {
            text.Append("\n*Change:* ").Append(Escape(NotificationText.Change(change)));
        }

        text.Append("\n*Action:* ").Append(Escape(message.Action.Summary));
        if (message.Action.Error is { } error)
        {
            text.Append("\n*Error:* ").Append(Escape(error));
        }

        foreach (var (step, index) in message.Action.ManualSteps.Select((s, i) => (s, i + 1)))
        {
            text.Append('\n').Append(index).Append(". ").Append(Escape(step));
        }

        return text.ToString();
    }

    private static string Field(ObjectiveLine objective) =>
        $"*{Escape(objective.Name)}*{(objective.Key ? " (key)" : "")}\n{StatusEmoji(objective.Status)} {Escape(NotificationText.Objective(objective))}";

    private static string Context(NotificationMessage message)
    {
        var parts = new List<string>
        {
            $"run {Escape(message.RunId)}",
            $"score {NotificationText.Score(message.Score)}",
        };
        if (LinkTarget(message.Links.RunUrl) is { } run)
        {
            parts.Add($"<{run}|view run>");
        }

        if (LinkTarget(message.Links.StatusUrl) is { } status)
        {
            parts.Add($"<{status}|guardian status>");
        }

        parts.Add(NotificationText.Time(message.At));
        return string.Join(" · ", parts);
    }

    // Slack link syntax is <url|label>: a URL with '|' or '>' would break out of it.
    private static string? LinkTarget(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.AbsoluteUri.Replace("|", "%7C", StringComparison.Ordinal).Replace(">", "%3E", StringComparison.Ordinal) : null;

    private static string Emoji(NotificationMessage message) => message.Kind switch
    {
        NotificationKind.RolledBack => "⏪",
        NotificationKind.RollbackFailed => "🚨",
        NotificationKind.Inconclusive => "❔",
        // A release notifies every stage: a passed one is good news, a paused one waits for a person.
        NotificationKind.ReleaseStage => message.Decision switch
        {
            Core.Definitions.Decision.Go => "✅",
            Core.Definitions.Decision.Inconclusive => "⏸️",
            _ => "🛑",
        },
        _ => "🛑",
    };

    private static string StatusEmoji(ObjectiveStatus status) => status switch
    {
        ObjectiveStatus.Pass => ":white_check_mark:",
        ObjectiveStatus.Warning => ":warning:",
        ObjectiveStatus.Fail => ":x:",
        ObjectiveStatus.Error => ":exclamation:",
        _ => ":information_source:",
    };
}
