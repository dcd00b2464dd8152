using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Rollback;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// GrowthBook: toggle the feature in one environment. Restores on/off only. Config:
/// <c>Providers:growthbook:BaseUrl</c> (default https://api.growthbook.io), <c>Providers:growthbook:ApiToken</c> (Bearer).
/// </summary>
public sealed partial class GrowthBookRollbackClient(HttpClient http, IConfiguration configuration, ILogger<GrowthBookRollbackClient> logger)
    : FlagRolloutClientBase(ProviderName, "GrowthBook", "feature", configuration, logger)
{
    /// <summary>The provider name.</summary>
    public const string ProviderName = "growthbook";

    /// <summary>The SaaS API.</summary>
    public const string DefaultBaseUrl = "https://api.growthbook.io";

    private protected override Task<RollbackOutcome> RollBackCoreAsync(RollbackPlan plan, CancellationToken cancellationToken)
    {
        if (plan.RestoreTo.Enabled is not { } enabled)
        {
            return Task.FromResult<RollbackOutcome>(new RollbackOutcome.NotSupported(
                $"GrowthBook rollback toggles a feature per environment; restoring value '{plan.RestoreTo.Variant}' is not supported."));
        }

        var token = Settings.ApiToken;
        if (token is null)
        {
            return Task.FromResult<RollbackOutcome>(MissingSetting(plan, Settings.KeyOf("ApiToken")));
        }

        var environment = EnvironmentOf(plan, "production")!;
        var request = Authorized(new HttpRequestMessage(HttpMethod.Post, UriOf(plan)) { Content = JsonContent(BodyOf(plan, environment, enabled)) }, token);
        var summary = $"GrowthBook feature '{plan.Flag.Key}' {OnOffWords(enabled)} in environment '{environment}'.";
        return WriteOnceAsync(http, request, plan, enabled, summary, cancellationToken);
    }

    private protected override string ManualSteps(RollbackPlan plan, bool turnOn)
    {
        var environment = EnvironmentOf(plan, "production")!;
        return $"In GrowthBook open Features, '{plan.Flag.Key}', and switch environment '{environment}' {(turnOn ? "on" : "off")}. Or run: " +
               Curl("POST", UriOf(plan), [("Authorization", "Bearer $GROWTHBOOK_API_KEY"), ("Content-Type", "application/json")],
                   Encoding.UTF8.GetString(BodyOf(plan, environment, turnOn)));
    }

    private Uri UriOf(RollbackPlan plan) => ProviderSettings.Combine(
        Settings.BaseUrl(DefaultBaseUrl)!, $"api/v2/features/{Segment(plan.Flag.Key)}/toggle");

    private static HttpRequestMessage Authorized(HttpRequestMessage request, string token)
    {
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static byte[] BodyOf(RollbackPlan plan, string environment, bool enabled) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("environments");
        w.WriteBoolean(environment, enabled);
        w.WriteEndObject();
        w.WriteString("reason", Comment(plan));
        w.WriteEndObject();
    });

    private protected override string PriorStateLookup(RollbackPlan plan) =>
        $"the feature's previous revision (Features > '{plan.Flag.Key}' > Revisions, environment '{EnvironmentOf(plan, "production")}'), or: " +
        Curl("GET", ProviderSettings.Combine(Settings.BaseUrl(DefaultBaseUrl)!, $"api/v1/features/{Uri.EscapeDataString(plan.Flag.Key)}/revisions"),
            [("Authorization", "Bearer $GROWTHBOOK_API_KEY")], null);
}
