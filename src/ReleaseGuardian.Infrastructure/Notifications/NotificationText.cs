using System.Globalization;
using System.Text;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Notifications;

/// <summary>The plain-text pieces every chat rendering shares, so Slack and Teams say the same thing.</summary>
public static class NotificationText
{
    /// <summary>"No-Go", "Go", "Inconclusive".</summary>
    public static string Decision(Decision decision) => decision switch
    {
        Core.Definitions.Decision.Go => "Go",
        Core.Definitions.Decision.NoGo => "No-Go",
        _ => "Inconclusive",
    };

    /// <summary>"pass", "warning", "fail", "error", "info".</summary>
    public static string Status(ObjectiveStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>"fail · 0.12 (warning 0.0075, failure 0.015)", plus the explanation when there is one.</summary>
    public static string Objective(ObjectiveLine line, int maxExplanation = 300)
    {
        var text = new StringBuilder(Status(line.Status));
        if (line.Value is { } value)
        {
            text.Append(" · ").Append(ObjectiveLine.Format(value));
        }

        var thresholds = new List<string>();
        if (line.Warning is { } warning)
        {
            thresholds.Add("warning " + ObjectiveLine.Format(warning));
        }

        if (line.Failure is { } failure)
        {
            thresholds.Add("failure " + ObjectiveLine.Format(failure));
        }

        if (thresholds.Count > 0)
        {
            text.Append(" (").AppendJoin(", ", thresholds).Append(')');
        }

        if (!string.IsNullOrWhiteSpace(line.Explanation))
        {
            var explanation = line.Explanation.Length <= maxExplanation ? line.Explanation : line.Explanation[..maxExplanation] + "…";
            text.Append(" — ").Append(explanation);
        }

        return text.ToString();
    }

    /// <summary>"new-checkout (launchdarkly, production): off → on by alice at 2026-11-24T09:58:00Z, change 42".</summary>
    public static string Change(ChangeUnderTest change)
    {
        var text = new StringBuilder(change.FlagKey).Append(" (").Append(change.Provider);
        if (!string.IsNullOrWhiteSpace(change.Environment))
        {
            text.Append(", ").Append(change.Environment);
        }

        text.Append("): ").Append(change.Previous?.ToString() ?? "unknown").Append(" → ").Append(change.Current);
        if (!string.IsNullOrWhiteSpace(change.Actor))
        {
            text.Append(" by ").Append(change.Actor);
        }

        return text.Append(" at ").Append(Time(change.ChangedAt)).Append(", change ").Append(change.ChangeId).ToString();
    }

    /// <summary>The score as shown: "66.7".</summary>
    public static string Score(double? score) =>
        score is { } s ? s.ToString("0.#", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>A UTC timestamp: "2026-11-24T10:02:00Z".</summary>
    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Cuts text to <paramref name="max"/> characters, marking the cut.</summary>
    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
