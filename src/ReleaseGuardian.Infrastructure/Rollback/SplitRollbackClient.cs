using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Rollback;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Split / Harness FME: kill the feature flag in an environment (restore "off"), or restore it (un-kill,
/// restore "on"). Needs the workspace id: ProviderRefs/Settings <c>workspaceId</c>, else
/// <c>Providers:split:WorkspaceId</c>. The environment in the URL is the delivery's <c>environmentId</c> where it
/// carried one (the Admin API takes an id or a name; an id survives a rename), else the environment name. Config: <c>Providers:split:BaseUrl</c> (default https://api.split.io),
/// <c>Providers:split:ApiToken</c> (an Admin API key, Bearer).
/// </summary>
public sealed partial class SplitRollbackClient(HttpClient http, IConfiguration configuration, ILogger<SplitRollbackClient> logger)
    : RollbackClientBase(ProviderName, configuration, logger)
{
    /// <summary>The provider name.</summary>
    public const string ProviderName = "split";

    /// <summary>The SaaS API.</summary>
    public const string DefaultBaseUrl = "https://api.split.io";

    private protected override Task<RollbackOutcome> RollBackCoreAsync(RollbackPlan plan, CancellationToken cancellationToken)
    {
        if (plan.RestoreTo.Enabled is not { } enabled)
        {
            return Task.FromResult<RollbackOutcome>(new RollbackOutcome.NotSupported(
                $"Split rollback kills or restores a feature flag; restoring treatment '{plan.RestoreTo.Variant}' is not supported."));
        }

        var token = Settings.ApiToken;
        if (token is null)
        {
            return Task.FromResult<RollbackOutcome>(MissingSetting(plan, Settings.KeyOf("ApiToken")));
        }

        var workspaceId = WorkspaceOf(plan);
        if (workspaceId is null)
        {
            return Task.FromResult<RollbackOutcome>(MissingReference(plan, "The Split workspaceId",
                $"changeUnderTest.providerRefs, flag.settings or {Settings.KeyOf("WorkspaceId")}"));
        }

        var environment = EnvironmentRefOf(plan);
        if (environment is null)
        {
            return Task.FromResult<RollbackOutcome>(MissingReference(plan, "The Split environment", "flag.environment or changeUnderTest.environment"));
        }

        var request = new HttpRequestMessage(HttpMethod.Put, UriOf(workspaceId, plan.Flag.Key, environment, enabled))
        {
            Content = JsonContent(BodyOf(plan)),
        };
        Authorize(request, token);
        var summary = $"Split feature flag '{plan.Flag.Key}' {(enabled ? "restored (un-killed)" : "killed")} in environment '{environment}'.";
        return WriteOnceAsync(http, request, plan, enabled, summary, cancellationToken);
    }

    private protected override string ManualSteps(RollbackPlan plan, bool turnOn)
    {
        var environment = EnvironmentRefOf(plan);
        var steps = $"In Split (Harness FME) open feature flag '{plan.Flag.Key}', environment '{EnvironmentOf(plan, null) ?? "(the flag's environment)"}', and {(turnOn ? "Restore" : "Kill")} it.";
        var workspaceId = WorkspaceOf(plan);
        return workspaceId is null || environment is null
            ? steps
            : steps + " Or run: " + Curl("PUT", UriOf(workspaceId, plan.Flag.Key, environment, turnOn),
                [("Authorization", "Bearer $SPLIT_ADMIN_API_KEY"), ("Content-Type", "application/json")], Encoding.UTF8.GetString(BodyOf(plan)));
    }

    private static string? EnvironmentRefOf(RollbackPlan plan) => Reference(plan, "environmentId") ?? EnvironmentOf(plan, null);

    private string? WorkspaceOf(RollbackPlan plan) => Reference(plan, "workspaceId") ?? Settings.Get("WorkspaceId");

    private Uri UriOf(string workspaceId, string flag, string environment, bool restore) =>
        new(DefinitionUri(workspaceId, flag, environment).AbsoluteUri + (restore ? "/restore" : "/kill"));

    /// <summary>The feature flag's definition in one environment (Admin API v2).</summary>
    private Uri DefinitionUri(string workspaceId, string flag, string environment) => ProviderSettings.Combine(
        Settings.BaseUrl(DefaultBaseUrl)!,
        $"internal/api/v2/splits/ws/{Segment(workspaceId)}/{Segment(flag)}/environments/{Segment(environment)}");

    /// <summary>The Admin API key, Bearer.</summary>
    private static void Authorize(HttpRequestMessage request, string token) =>
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

    private static byte[] BodyOf(RollbackPlan plan) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("comment", Comment(plan));
        w.WriteEndObject();
    });

    private protected override string PriorStateLookup(RollbackPlan plan)
    {
        var what = $"the feature flag's Audit log tab in Split (Harness FME), environment '{EnvironmentOf(plan, null) ?? "(the flag's environment)"}'";
        var (workspaceId, environment) = (WorkspaceOf(plan), EnvironmentRefOf(plan));
        return workspaceId is null || environment is null
            ? what
            : what + ", or the definition now ('killed'): " + Curl("GET", ProviderSettings.Combine(Settings.BaseUrl(DefaultBaseUrl)!,
                $"internal/api/v2/splits/ws/{Uri.EscapeDataString(workspaceId)}/{Uri.EscapeDataString(plan.Flag.Key)}/environments/{Uri.EscapeDataString(environment)}"),
                [("Authorization", "Bearer $SPLIT_ADMIN_API_KEY")], null);
    }
}
