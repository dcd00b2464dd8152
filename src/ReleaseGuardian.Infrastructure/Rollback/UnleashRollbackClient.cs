using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Rollback;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Unleash: the admin API's environment on/off endpoints. Restores on/off only. Config:
/// <c>Providers:unleash:BaseUrl</c> (required, e.g. https://unleash.example.com), <c>Providers:unleash:ApiToken</c>
/// (an admin token, sent as-is in Authorization).
/// </summary>
public sealed partial class UnleashRollbackClient(HttpClient http, IConfiguration configuration, ILogger<UnleashRollbackClient> logger)
    : FlagRolloutClientBase(ProviderName, "Unleash", "feature", configuration, logger)
{
    /// <summary>The provider name.</summary>
    public const string ProviderName = "unleash";

    private protected override Task<RollbackOutcome> RollBackCoreAsync(RollbackPlan plan, CancellationToken cancellationToken)
    {
        if (plan.RestoreTo.Enabled is not { } enabled)
        {
            return Task.FromResult<RollbackOutcome>(new RollbackOutcome.NotSupported(
                $"Unleash rollback restores on/off only; restoring variant '{plan.RestoreTo.Variant}' alone is not supported."));
        }

        var token = Settings.ApiToken;
        if (token is null)
        {
            return Task.FromResult<RollbackOutcome>(MissingSetting(plan, Settings.KeyOf("ApiToken")));
        }

        if (Settings.BaseUrl(null) is null)
        {
            return Task.FromResult<RollbackOutcome>(MissingSetting(plan, Settings.KeyOf("BaseUrl"), "Unleash is self-hosted or per-instance, so there is no default"));
        }

        var request = Authorized(new HttpRequestMessage(HttpMethod.Post, UriOf(plan, enabled)), token);
        var summary = $"Unleash feature '{plan.Flag.Key}' in project '{ProjectOf(plan, "default")}', environment '{EnvironmentOf(plan, "production")}' {OnOffWords(enabled)}" +
                      (plan.RestoreTo.Variant is null ? "." : $"; variant '{plan.RestoreTo.Variant}' not restored (on/off only).");
        return WriteOnceAsync(http, request, plan, enabled, summary, cancellationToken);
    }

    private protected override string ManualSteps(RollbackPlan plan, bool turnOn)
    {
        var steps = $"In Unleash open project '{ProjectOf(plan, "default")}', feature '{plan.Flag.Key}', and switch environment '{EnvironmentOf(plan, "production")}' {(turnOn ? "on" : "off")}.";
        return Settings.BaseUrl(null) is null
            ? steps
            : steps + " Or run: " + Curl("POST", UriOf(plan, turnOn), [("Authorization", "$UNLEASH_ADMIN_TOKEN")], null);
    }

    private Uri UriOf(RollbackPlan plan, bool turnOn) =>
        FeatureUri(ProjectOf(plan, "default")!, plan.Flag.Key, $"/environments/{Segment(EnvironmentOf(plan, "production")!)}/{(turnOn ? "on" : "off")}");

    /// <summary>The Admin API's feature in a project, with <paramref name="rest"/> (already escaped) after it.</summary>
    private Uri FeatureUri(string project, string key, string rest = "") => ProviderSettings.Combine(
        Settings.BaseUrl(null)!,
        $"api/admin/projects/{Segment(project)}/features/{Segment(key)}{rest}");

    private static HttpRequestMessage Authorized(HttpRequestMessage request, string token) => RawToken.Authorized(request, token);

    private protected override string PriorStateLookup(RollbackPlan plan)
    {
        var environment = EnvironmentOf(plan, "production")!;
        var what = $"the newest feature-environment-enabled/-disabled event for environment '{environment}' before the change, in Unleash's event log (Admin > Event log, feature '{plan.Flag.Key}')";
        return Settings.BaseUrl(null) is { } baseUrl
            ? what + ", or: " + Curl("GET", ProviderSettings.Combine(baseUrl, $"api/admin/events/{Uri.EscapeDataString(plan.Flag.Key)}"), [("Authorization", "$UNLEASH_ADMIN_TOKEN")], null)
            : what;
    }
}
