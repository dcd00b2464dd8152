using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Application.Notifications;

/// <summary>
/// Makes notification URLs safe to log and store. Slack and Teams webhook URLs are secrets in their path
/// (and Teams workflow URLs also in the <c>sig</c> query parameter), so only scheme and host survive.
/// For other targets user info and the query string are redacted and the path kept.
/// </summary>
public static class NotificationUrl
{
    /// <summary>What replaces a redacted part.</summary>
    public const string Mask = "***";

    /// <summary>The URL for logs and outcomes, e.g. <c>https://hooks.slack.com/***</c>, <c>https://example.org/hook?***</c>.</summary>
    public static string Redact(string? url, string targetType)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return "(invalid url)";
        }

        var userInfo = string.IsNullOrEmpty(uri.UserInfo) ? "" : Mask + "@";
        var port = uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var origin = $"{uri.Scheme}://{userInfo}{uri.Host}{port}";
        if (HasSecretPath(targetType))
        {
            return uri.AbsolutePath is "/" or "" && string.IsNullOrEmpty(uri.Query) ? origin + "/" : $"{origin}/{Mask}";
        }

        var query = string.IsNullOrEmpty(uri.Query) ? "" : "?" + Mask;
        return origin + uri.AbsolutePath + query;
    }

    /// <summary>Replaces every occurrence of the raw URL (and its unescaped form) in <paramref name="text"/> with the redacted form.</summary>
    public static string Scrub(string text, string? url, string targetType)
    {
        if (string.IsNullOrEmpty(url) || string.IsNullOrEmpty(text))
        {
            return text;
        }

        var redacted = Redact(url, targetType);
        var scrubbed = text.Replace(url, redacted, StringComparison.Ordinal);
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            scrubbed = scrubbed.Replace(uri.ToString(), redacted, StringComparison.Ordinal)
                .Replace(uri.AbsoluteUri, redacted, StringComparison.Ordinal);
            if (HasSecretPath(targetType) && uri.AbsolutePath.Length > 1)
            {
                scrubbed = scrubbed.Replace(uri.PathAndQuery, "/" + Mask, StringComparison.Ordinal);
            }
        }

        return scrubbed;
    }

    private static bool HasSecretPath(string targetType) =>
        string.Equals(targetType, NotifyTargetTypes.Slack, StringComparison.OrdinalIgnoreCase)
        || string.Equals(targetType, NotifyTargetTypes.Teams, StringComparison.OrdinalIgnoreCase);
}
