using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Rollback;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Flagsmith: PATCH the feature state's <c>enabled</c>. Restores on/off only (not the remote-config value).
/// Needs <c>featureStateId</c> and <c>environmentApiKey</c> from the change's ProviderRefs (or the binding's
/// Settings). Config: <c>Providers:flagsmith:BaseUrl</c> (default https://api.flagsmith.com),
/// <c>Providers:flagsmith:ApiToken</c> (sent as <c>Api-Key &lt;key&gt;</c>).
/// </summary>
public sealed partial class FlagsmithRollbackClient(HttpClient http, IConfiguration configuration, ILogger<FlagsmithRollbackClient> logger)
    : RollbackClientBase(ProviderName, configuration, logger)
{
    /// <summary>The provider name.</summary>
    public const string ProviderName = "flagsmith";

    /// <summary>The SaaS API.</summary>
    public const string DefaultBaseUrl = "https://api.flagsmith.com";

    private protected override Task<RollbackOutcome> RollBackCoreAsync(RollbackPlan plan, CancellationToken cancellationToken)
    {
        if (plan.RestoreTo.Enabled is not { } enabled)
        {
            return Task.FromResult<RollbackOutcome>(new RollbackOutcome.NotSupported(
                $"Flagsmith rollback restores enabled on/off only; restoring value '{plan.RestoreTo.Variant}' alone is not supported."));
        }

        var token = Settings.ApiToken;
        if (token is null)
        {
            return Task.FromResult<RollbackOutcome>(MissingSetting(plan, Settings.KeyOf("ApiToken")));
        }

        var (featureStateId, environmentKey) = (Reference(plan, "featureStateId"), Reference(plan, "environmentApiKey"));
        if (featureStateId is null || environmentKey is null)
        {
            return Task.FromResult<RollbackOutcome>(MissingReference(plan,
                "The Flagsmith " + (featureStateId is null ? "featureStateId" : "environmentApiKey"),
                "changeUnderTest.providerRefs or flag.settings"));
        }

        var request = new HttpRequestMessage(HttpMethod.Patch, UriOf(environmentKey, featureStateId)) { Content = JsonContent(BodyOf(enabled)) };
        Authorize(request, token);
        var summary = $"Flagsmith feature '{plan.Flag.Key}' (feature state {featureStateId}) {OnOffWords(enabled)}" +
                      (plan.RestoreTo.Variant is null ? "." : $"; value '{plan.RestoreTo.Variant}' not restored (enabled only).");
        return WriteOnceAsync(http, request, plan, enabled, summary, cancellationToken);
    }

    private protected override string ManualSteps(RollbackPlan plan, bool turnOn)
    {
        var steps = $"In Flagsmith open the project, environment '{EnvironmentOf(plan, "(the flag's environment)")}', Features, '{plan.Flag.Key}', and switch it {(turnOn ? "on" : "off")}.";
        var (featureStateId, environmentKey) = (Reference(plan, "featureStateId"), Reference(plan, "environmentApiKey"));
        return featureStateId is null || environmentKey is null
            ? steps
            : steps + " Or run: " + Curl("PATCH", UriOf(environmentKey, featureStateId),
                [("Authorization", "Api-Key $FLAGSMITH_API_KEY"), ("Content-Type", "application/json")], Encoding.UTF8.GetString(BodyOf(turnOn)));
    }

    private Uri UriOf(string environmentKey, string featureStateId) => ProviderSettings.Combine(
        Settings.BaseUrl(DefaultBaseUrl)!,
        $"api/v1/environments/{Segment(environmentKey)}/featurestates/{Segment(featureStateId)}/");

    /// <summary>The Admin API key, sent as <c>Api-Key &lt;key&gt;</c>.</summary>
    private static void Authorize(HttpRequestMessage request, string token) =>
        request.Headers.TryAddWithoutValidation("Authorization", "Api-Key " + token);

    private static byte[] BodyOf(bool enabled) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteBoolean("enabled", enabled);
        w.WriteEndObject();
    });

    private protected override string PriorStateLookup(RollbackPlan plan)
    {
        var what = $"the feature's history (Features > '{plan.Flag.Key}' > History) or the project's audit log";
        return Reference(plan, "projectId") is { } projectId
            ? what + ": " + Curl("GET", ProviderSettings.Combine(Settings.BaseUrl(DefaultBaseUrl)!,
                $"api/v1/audit/?project={Uri.EscapeDataString(projectId)}&search={Uri.EscapeDataString(plan.Flag.Key)}"), [("Authorization", "Api-Key $FLAGSMITH_API_KEY")], null)
            : what;
    }
}
