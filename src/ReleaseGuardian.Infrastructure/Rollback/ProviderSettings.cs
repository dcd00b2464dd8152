using Microsoft.Extensions.Configuration;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// One provider's rollback configuration under <c>Providers:{provider}:</c> (DESIGN.md §6), read at call
/// time so a reloaded configuration takes effect without a restart.
/// </summary>
internal sealed class ProviderSettings(IConfiguration configuration, string provider)
{
    public string Provider { get; } = provider;

    /// <summary>The full configuration key, e.g. <c>Providers:launchdarkly:ApiToken</c>.</summary>
    public string KeyOf(string name) => $"Providers:{Provider}:{name}";

    public string? Get(string name)
    {
        var value = configuration[KeyOf(name)];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public string? ApiToken => Get("ApiToken");

    public string? BaseUrl(string? saasDefault) => Get("BaseUrl") ?? saasDefault;

    /// <summary>A configuration value outside the provider's section, e.g. <c>AzureWebJobsStorage</c>.</summary>
    public string? Root(string key)
    {
        var value = configuration[key];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <summary><paramref name="baseUrl"/> and <paramref name="pathAndQuery"/> joined with exactly one slash.</summary>
    public static Uri Combine(string baseUrl, string pathAndQuery) =>
        new(baseUrl.TrimEnd('/') + "/" + pathAndQuery.TrimStart('/'), UriKind.Absolute);
}
