using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Rollback;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// ConfigCat: a JSON Patch of the setting's default value (v2 API), for boolean feature flags. Restores
/// the default value on/off; targeting rules are left as they are. Needs <c>environmentId</c> and
/// <c>settingId</c> from the change's ProviderRefs (or the binding's Settings). Config:
/// <c>Providers:configcat:BaseUrl</c> (default https://api.configcat.com), <c>Providers:configcat:Username</c>
/// and <c>Providers:configcat:Password</c> (the Public Management API basic-auth credentials).
/// </summary>
public sealed partial class ConfigCatRollbackClient(HttpClient http, IConfiguration configuration, ILogger<ConfigCatRollbackClient> logger)
    : RollbackClientBase(ProviderName, configuration, logger)
{
    /// <summary>The provider name.</summary>
    public const string ProviderName = "configcat";

    /// <summary>The SaaS API.</summary>
    public const string DefaultBaseUrl = "https://api.configcat.com";

    private protected override Task<RollbackOutcome> RollBackCoreAsync(RollbackPlan plan, CancellationToken cancellationToken)
    {
        if (plan.RestoreTo.Enabled is not { } enabled)
        {
            return Task.FromResult<RollbackOutcome>(new RollbackOutcome.NotSupported(
                $"ConfigCat rollback restores a boolean flag's default value; restoring value '{plan.RestoreTo.Variant}' is not supported."));
        }

        var (username, password) = (Settings.Get("Username"), Settings.Get("Password"));
        if (username is null || password is null)
        {
            return Task.FromResult<RollbackOutcome>(MissingSetting(plan, Settings.KeyOf(username is null ? "Username" : "Password")));
        }

        var (environmentId, settingId) = (Reference(plan, "environmentId"), Reference(plan, "settingId"));
        if (environmentId is null || settingId is null)
        {
            return Task.FromResult<RollbackOutcome>(MissingReference(plan,
                "The ConfigCat " + (environmentId is null ? "environmentId" : "settingId"),
                "changeUnderTest.providerRefs or flag.settings"));
        }

        var request = new HttpRequestMessage(HttpMethod.Patch, ValueUri(environmentId, settingId, Comment(plan))) { Content = JsonContent(BodyOf(enabled)) };
        Authorize(request, username, password);
        var summary = $"ConfigCat setting '{plan.Flag.Key}' (id {settingId}) in environment {environmentId}: default value set to {(enabled ? "true" : "false")}.";
        return WriteOnceAsync(http, request, plan, enabled, summary, cancellationToken);
    }

    private protected override string ManualSteps(RollbackPlan plan, bool turnOn)
    {
        var steps = $"In the ConfigCat Dashboard open the config holding '{plan.Flag.Key}', select the environment, set the flag's default value to {(turnOn ? "ON" : "OFF")} and Save & Publish.";
        var (environmentId, settingId) = (Reference(plan, "environmentId"), Reference(plan, "settingId"));
        return environmentId is null || settingId is null
            ? steps
            : steps + " Or run: " + Curl("PATCH", ValueUri(environmentId, settingId, Comment(plan)),
                [("Content-Type", "application/json")], Encoding.UTF8.GetString(BodyOf(turnOn))) + " -u \"$CONFIGCAT_USERNAME:$CONFIGCAT_PASSWORD\"";
    }

    /// <summary>The v2 value of a setting in an environment; <paramref name="reason"/> goes to the audit log (writes only).</summary>
    private Uri ValueUri(string environmentId, string settingId, string? reason) => ProviderSettings.Combine(
        Settings.BaseUrl(DefaultBaseUrl)!,
        $"v2/environments/{Segment(environmentId)}/settings/{Segment(settingId)}/value" + (reason is null ? "" : $"?reason={Uri.EscapeDataString(reason)}"));

    /// <summary>Basic auth with the Public Management API credentials.</summary>
    private static void Authorize(HttpRequestMessage request, string username, string password) =>
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")));

    private static byte[] BodyOf(bool enabled) => Json(w =>
    {
        w.WriteStartArray();
        w.WriteStartObject();
        w.WriteString("op", "replace");
        w.WriteString("path", "/defaultValue/boolValue");
        w.WriteBoolean("value", enabled);
        w.WriteEndObject();
        w.WriteEndArray();
    });

    private protected override string PriorStateLookup(RollbackPlan plan)
    {
        var query = string.Join('&', new[] { ("configId", Reference(plan, "configId")), ("environmentId", Reference(plan, "environmentId")) }
            .Where(p => p.Item2 is not null).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
        return $"the audit log entry for '{plan.Flag.Key}' (Product > Audit log), or: " +
               Curl("GET", ProviderSettings.Combine(Settings.BaseUrl(DefaultBaseUrl)!, "v1/products/PRODUCT_ID/auditlogs" + (query.Length == 0 ? "" : "?" + query)), [], null) +
               " -u \"$CONFIGCAT_USERNAME:$CONFIGCAT_PASSWORD\" (PRODUCT_ID: your product's id)";
    }
}
