using Microsoft.Extensions.Configuration;

namespace ReleaseGuardian.Infrastructure.HttpApi;

/// <summary>
/// Where the absolute URLs this host returns (<c>Location</c>, <c>statusQueryGetUri</c>) point. A request's
/// <c>Host</c> header is the sender's to choose, so it is used only when it names this host: <c>Api:PublicBaseUrl</c>
/// first; when unset, the request's own scheme and host if that host is loopback or listed in <c>Api:AllowedHosts</c>;
/// otherwise no base at all, and the URL stays relative. A key never goes into any of them.
/// </summary>
public sealed partial class PublicUrls
{
    /// <summary>The setting that fixes the base of every absolute URL, e.g. <c>https://guardian.example.org</c>.</summary>
    public const string PublicBaseUrlSetting = "Api:PublicBaseUrl";

    /// <summary>Hosts (with port where it is not the default) a request may name to get absolute URLs built on it; <c>;</c> or <c>,</c> separated.</summary>
    public const string AllowedHostsSetting = "Api:AllowedHosts";

    private readonly HashSet<string> _allowed;

    /// <summary>Reads <see cref="PublicBaseUrlSetting"/> (or the older <c>Guardian:PublicBaseUrl</c>) and <see cref="AllowedHostsSetting"/>.</summary>
    public PublicUrls(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration[PublicBaseUrlSetting] is { Length: > 0 } api ? api : configuration["Guardian:PublicBaseUrl"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            if (!Uri.TryCreate(configured, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || !string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Query))
            {
                throw new InvalidOperationException($"{PublicBaseUrlSetting} must be an absolute http(s) URL without credentials or query, e.g. https://guardian.example.org");
            }

            PublicBaseUrl = configured.TrimEnd('/');
        }

        _allowed = new HashSet<string>(
            (configuration[AllowedHostsSetting] ?? "").Split([';', ',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The configured public base URL without a trailing slash, or null.</summary>
    public string? PublicBaseUrl { get; }

    /// <summary>The base (<c>scheme://host</c>) for URLs answering a request to <paramref name="host"/>, or "" to keep them relative.</summary>
    /// <param name="scheme">The request's scheme.</param>
    /// <param name="host">The request's Host header value (host, and port if any).</param>
    public string BaseFor(string scheme, string? host)
    {
        if (PublicBaseUrl is not null)
        {
            return PublicBaseUrl;
        }

        return host is { Length: > 0 } && scheme is "http" or "https" && IsAllowed(host) ? $"{scheme}://{host}" : "";
    }

    private bool IsAllowed(string host)
    {
        // Only a plain host[:port]: nothing that could turn the rest of a URL into user info or a path.
        var match = HostAndPort().Match(host);
        if (!match.Success)
        {
            return false;
        }

        var name = match.Groups["name"].Value;
        if (_allowed.Contains(host) || _allowed.Contains(name))
        {
            return true;
        }

        // Loopback answers only this machine, so a URL naming it can lead nowhere else.
        var bare = name.Trim('[', ']');
        return bare.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(bare, out var ip) && System.Net.IPAddress.IsLoopback(ip));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<name>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$")]
    private static partial System.Text.RegularExpressions.Regex HostAndPort();
}
