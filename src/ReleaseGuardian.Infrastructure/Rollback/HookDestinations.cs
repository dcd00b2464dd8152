using Microsoft.Extensions.Configuration;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Where the generic <c>http</c> rollback hook may send <c>Providers:http:ApiToken</c> and its signature: only to
/// URLs the operator configured, <c>Providers:http:Url</c> and the allow-list <c>Providers:http:AllowedUrls</c>
/// (a list section, or one string separated by <c>;</c>, <c>,</c> or white space). A definition's
/// <c>flag.settings.url</c> may pick one of them, never name a new one.
/// </summary>
internal static class HookDestinations
{
    public const string UrlKey = "Providers:http:Url";
    public const string AllowListKey = "Providers:http:AllowedUrls";

    /// <summary>Every URL the operator configured for the hook.</summary>
    public static IReadOnlyList<Uri> Configured(IConfiguration configuration)
    {
        var texts = new List<string>();
        if (configuration[UrlKey] is { } url)
        {
            texts.Add(url);
        }

        var list = configuration.GetSection(AllowListKey);
        if (list.Value is { } joined)
        {
            texts.AddRange(joined.Split([';', ',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
        }

        texts.AddRange(list.GetChildren().Select(c => c.Value).OfType<string>());
        return [.. texts.Select(t => Uri.TryCreate(t.Trim(), UriKind.Absolute, out var u) ? u : null).OfType<Uri>()];
    }

    /// <summary>True when <paramref name="uri"/> is one of the configured hook URLs (scheme, host, port and path).</summary>
    public static bool IsConfigured(IConfiguration configuration, Uri uri) =>
        Configured(configuration).Any(allowed => Same(allowed, uri));

    private static bool Same(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase) &&
        a.Port == b.Port &&
        a.UserInfo.Length == 0 && b.UserInfo.Length == 0 &&
        string.Equals(a.AbsolutePath.TrimEnd('/'), b.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal) &&
        string.Equals(a.Query, b.Query, StringComparison.Ordinal);
}
