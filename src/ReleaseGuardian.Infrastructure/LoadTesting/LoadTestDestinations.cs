using Microsoft.Extensions.Configuration;

namespace ReleaseGuardian.Infrastructure.LoadTesting;

/// <summary>
/// Where the http launcher may POST its signed launch: only to URLs the operator lists in <c>LoadTest:AllowedUrls</c>
/// (a list section, or one string separated by <c>;</c>, <c>,</c> or white space). An entry that ends with <c>/</c> is
/// a prefix (any URL under that path on the same scheme, host and port); any other entry is one exact URL. A
/// definition's <c>loadTest.url</c> may pick one of them, never name a new one. An empty list turns the http launcher off.
/// </summary>
public static class LoadTestDestinations
{
    /// <summary>The configuration key of the allow-list.</summary>
    public const string AllowListKey = "LoadTest:AllowedUrls";

    /// <summary>Every entry the operator configured (unparseable entries are ignored).</summary>
    public static IReadOnlyList<Uri> Configured(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var texts = new List<string>();
        var list = configuration.GetSection(AllowListKey);
        if (list.Value is { } joined)
        {
            texts.AddRange(joined.Split([';', ',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
        }

        texts.AddRange(list.GetChildren().Select(c => c.Value).OfType<string>());
        return [.. texts
            .Select(t => Uri.TryCreate(t.Trim(), UriKind.Absolute, out var u) ? u : null)
            .OfType<Uri>()
            .Where(u => (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps) && u.UserInfo.Length == 0)];
    }

    /// <summary>
    /// Why <paramref name="url"/> may not receive a launch, or null when it is on the allow-list. The reason names
    /// <c>loadTest.url</c> and the setting, so the same words serve a 400 at PUT and a refused launch.
    /// </summary>
    public static string? ProblemWith(IConfiguration configuration, string? url)
    {
        var allowed = Configured(configuration);
        if (allowed.Count == 0)
        {
            return $"the http launcher is off: {AllowListKey} is empty, and a launch goes only to a CI system or test runner the operator lists there";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !allowed.Any(entry => Allows(entry, uri)))
        {
            return $"loadTest.url is not on the operator's allow-list ({AllowListKey}); a signed launch goes nowhere else";
        }

        return null;
    }

    /// <summary>True when <paramref name="entry"/> lets a launch go to <paramref name="uri"/>.</summary>
    public static bool Allows(Uri entry, Uri uri)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(uri);
        if (!string.Equals(entry.Scheme, uri.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(entry.IdnHost, uri.IdnHost, StringComparison.OrdinalIgnoreCase)
            || entry.Port != uri.Port || uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            return false;
        }

        // Uri has already removed dot segments; an escaped one ("%2e%2e", "%2f") could still climb out on the receiving side.
        var path = uri.AbsolutePath;
        if (path.Contains("%2e", StringComparison.OrdinalIgnoreCase) || path.Contains("%2f", StringComparison.OrdinalIgnoreCase)
            || path.Contains("%5c", StringComparison.OrdinalIgnoreCase) || path.Contains('\\', StringComparison.Ordinal))
        {
            return false;
        }

        if (entry.AbsolutePath.EndsWith('/') && entry.Query.Length == 0)
        {
            return path.StartsWith(entry.AbsolutePath, StringComparison.Ordinal);
        }

        return string.Equals(entry.AbsolutePath, path, StringComparison.Ordinal) && string.Equals(entry.Query, uri.Query, StringComparison.Ordinal);
    }
}

/// <summary>The operator's <c>LoadTest:AllowedUrls</c> as a service, read on every check so a changed list applies at once.</summary>
/// <param name="configuration">The configuration holding the list.</param>
public sealed class LoadTestAllowList(IConfiguration configuration)
{
    /// <summary><see cref="LoadTestDestinations.ProblemWith"/> against the current list.</summary>
    public string? ProblemWith(string? url) => LoadTestDestinations.ProblemWith(configuration, url);
}
