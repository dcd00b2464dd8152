using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Rollback;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// LaunchDarkly: a semantic patch on the flag in one environment. Restores on/off (<c>turnFlagOn</c> /
/// <c>turnFlagOff</c>) and, when the variation id is known, the default rule
/// (<c>updateFallthroughVariationOrRollout</c>). Config: <c>Providers:launchdarkly:BaseUrl</c> (default
/// https://app.launchdarkly.com), <c>Providers:launchdarkly:ApiToken</c> (sent as-is, no "Bearer").
/// </summary>
public sealed partial class LaunchDarklyRollbackClient(HttpClient http, IConfiguration configuration, ILogger<LaunchDarklyRollbackClient> logger)
    : FlagRolloutClientBase(ProviderName, "LaunchDarkly", "flag", configuration, logger)
{
    /// <summary>The provider name.</summary>
    public const string ProviderName = "launchdarkly";

    /// <summary>The SaaS API.</summary>
    public const string DefaultBaseUrl = "https://app.launchdarkly.com";

    /// <summary>The ProviderRefs / Settings key that may carry the previous default rule's variation id.</summary>
    public const string FallthroughVariationIdRef = "previousFallthroughVariationId";

    private const string SemanticPatch = "application/json; domain-model=launchdarkly.semanticpatch";

    private protected override Task<RollbackOutcome> RollBackCoreAsync(RollbackPlan plan, CancellationToken cancellationToken)
    {
        var token = Settings.ApiToken;
        if (token is null)
        {
            return Task.FromResult<RollbackOutcome>(MissingSetting(plan, Settings.KeyOf("ApiToken")));
        }

        var variationId = VariationIdOf(plan);
        if (plan.RestoreTo.Enabled is null && variationId is null)
        {
            return Task.FromResult<RollbackOutcome>(new RollbackOutcome.NotSupported(
                $"LaunchDarkly restores a default rule by variation id; variant '{plan.RestoreTo.Variant}' is not one and no '{FallthroughVariationIdRef}' was recorded."));
        }

        var project = ProjectOf(plan, "default")!;
        var environment = EnvironmentOf(plan, "production")!;
        var uri = UriOf(plan);
        var body = BodyOf(plan, environment, variationId);

        var request = Authorized(new HttpRequestMessage(HttpMethod.Patch, uri) { Content = JsonContent(body, SemanticPatch) }, token);

        var parts = new List<string>();
        if (plan.RestoreTo.Enabled is { } enabled)
        {
            parts.Add(OnOffWords(enabled));
        }

        if (variationId is not null)
        {
            parts.Add($"default rule set to variation {variationId}");
        }
        else if (plan.RestoreTo.Variant is not null)
        {
            parts.Add($"variant '{plan.RestoreTo.Variant}' not restored (no variation id known)");
        }

        var summary = $"LaunchDarkly flag '{plan.Flag.Key}' in project '{project}', environment '{environment}': {string.Join("; ", parts)}.";
        return WriteOnceAsync(http, request, plan, plan.RestoreTo.Enabled ?? true, summary, cancellationToken);
    }

    private protected override string ManualSteps(RollbackPlan plan, bool turnOn)
    {
        var project = ProjectOf(plan, "default")!;
        var environment = EnvironmentOf(plan, "production")!;
        var body = Encoding.UTF8.GetString(BodyOf(plan with { RestoreTo = plan.RestoreTo with { Enabled = turnOn } }, environment, VariationIdOf(plan)));
        return $"In LaunchDarkly open project '{project}', flag '{plan.Flag.Key}', environment '{environment}', and turn the flag {(turnOn ? "On" : "Off")} " +
               "(set the default rule back too if the change edited it), then Review and save with a comment. Or run: " +
               Curl("PATCH", UriOf(plan), [("Authorization", "$LD_API_TOKEN"), ("Content-Type", SemanticPatch)], body);
    }

    private Uri UriOf(RollbackPlan plan) => FlagUri(ProjectOf(plan, "default")!, plan.Flag.Key);

    private Uri FlagUri(string project, string key, string? query = null) => ProviderSettings.Combine(
        Settings.BaseUrl(DefaultBaseUrl)!,
        $"api/v2/flags/{Segment(project)}/{Segment(key)}{query}");

    private static HttpRequestMessage Authorized(HttpRequestMessage request, string token) => RawToken.Authorized(request, token);

    private static string? VariationIdOf(RollbackPlan plan) =>
        Reference(plan, FallthroughVariationIdRef) ??
        (Guid.TryParse(plan.RestoreTo.Variant, out _) ? plan.RestoreTo.Variant : null);

    private static byte[] BodyOf(RollbackPlan plan, string environment, string? variationId) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("environmentKey", environment);
        w.WriteString("comment", Comment(plan));
        w.WriteStartArray("instructions");
        if (plan.RestoreTo.Enabled is { } enabled)
        {
            w.WriteStartObject();
            w.WriteString("kind", enabled ? "turnFlagOn" : "turnFlagOff");
            w.WriteEndObject();
        }

        if (variationId is not null)
        {
            w.WriteStartObject();
            w.WriteString("kind", "updateFallthroughVariationOrRollout");
            w.WriteString("variationId", variationId);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    private protected override string PriorStateLookup(RollbackPlan plan)
    {
        var environment = EnvironmentOf(plan, "production")!;
        var entry = Reference(plan, "auditLogId") is { } id
            ? $"api/v2/auditlog/{Uri.EscapeDataString(id)}"
            : $"api/v2/auditlog?spec={Uri.EscapeDataString($"proj/{ProjectOf(plan, "default")}:env/{environment}:flag/{plan.Flag.Key}")}";
        return $"read previousVersion.environments.{environment}.on of the audit entry: " +
               Curl("GET", ProviderSettings.Combine(Settings.BaseUrl(DefaultBaseUrl)!, entry), [("Authorization", "$LD_API_TOKEN")], null);
    }
}
