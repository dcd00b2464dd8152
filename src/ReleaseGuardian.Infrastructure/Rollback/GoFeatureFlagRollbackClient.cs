using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Infrastructure.Outbound;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// GO Feature Flag: edit the flag in its (local) flag file (<see cref="GoFeatureFlagFileEdit"/>: <c>disable</c>
/// and, when a variant is given, <c>defaultRule.variation</c>), then ask the relay proxy to reload with
/// <c>POST {BaseUrl}/admin/v1/retriever/refresh</c>. Config: <c>Providers:gofeatureflag:FlagFile</c> (or the
/// binding's Settings <c>flagFile</c>), <c>Providers:gofeatureflag:BaseUrl</c> (the relay proxy; without it the
/// proxy applies the file at its next poll) and <c>Providers:gofeatureflag:AdminKey</c> (Bearer; falls back to ApiToken).
/// </summary>
public sealed partial class GoFeatureFlagRollbackClient(HttpClient http, IConfiguration configuration, ILogger<GoFeatureFlagRollbackClient> logger)
    : FlagRolloutClientBase(ProviderName, "GO Feature Flag", "flag", configuration, logger)
{
    /// <summary>The provider name.</summary>
    public const string ProviderName = "gofeatureflag";

    private protected override async Task<RollbackOutcome> RollBackCoreAsync(RollbackPlan plan, CancellationToken cancellationToken)
    {
        var path = FileOf(plan);
        if (path is null)
        {
            return MissingReference(plan, "The GO Feature Flag flag file", $"flag.settings.flagFile or {Settings.KeyOf("FlagFile")}");
        }

        var setting = SettingOf(plan, "flagFile") is null ? Settings.KeyOf("FlagFile") : "flag.settings.flagFile";
        if (ProblemWithFile(path, setting, "edited", out var real) is { } fileProblem)
        {
            return new RollbackOutcome.Failed(fileProblem, ManualSteps(plan, plan.RestoreTo.Enabled == true), 0);
        }

        var document = await File.ReadAllTextAsync(real, cancellationToken).ConfigureAwait(false);
        string edited;
        string problem;
        var edit = GoFeatureFlagFileEdit.FormatOf(path, document) switch
        {
            GoFeatureFlagFileEdit.Format.Json => GoFeatureFlagFileEdit.TryApplyJson(document, plan.Flag.Key, plan.RestoreTo, out edited, out problem),
            GoFeatureFlagFileEdit.Format.Yaml => GoFeatureFlagFileEdit.TryApplyYaml(document, plan.Flag.Key, plan.RestoreTo, out edited, out problem),
            _ => Unsupported(out edited, out problem),
        };
        if (!edit)
        {
            // What the file holds (its first byte, its YAML layout) stays in the log; the outcome names the setting only.
            RollbackLog.FileNotEditable(Logger, Provider, plan.Flag.Key, problem);
            return new RollbackOutcome.Failed(
                $"The GO Feature Flag flag file named by {setting} could not be edited automatically (it does not hold flag '{plan.Flag.Key}' in a layout this rollback edits; details are in the server log).",
                ManualSteps(plan, plan.RestoreTo.Enabled == true), 0);
        }

        await AtomicFile.WriteAllTextAsync(real, edited, cancellationToken).ConfigureAwait(false);
        var changed = Changes(plan);

        var baseUrl = Settings.BaseUrl(null);
        if (baseUrl is null)
        {
            return new RollbackOutcome.Succeeded(
                $"GO Feature Flag flag '{plan.Flag.Key}' in {path}: {changed}; no relay proxy configured ({Settings.KeyOf("BaseUrl")}), so it applies the file at its next poll.", 1);
        }

        var attempts = new WriteAttempts();
        using (var request = RefreshRequest(baseUrl))
        {
            var refresh = await SendAsync(http, request, attempts, cancellationToken).ConfigureAwait(false);
            return refresh.IsSuccess
                ? new RollbackOutcome.Succeeded($"GO Feature Flag flag '{plan.Flag.Key}' in {path}: {changed}; relay proxy refreshed.", attempts.Count)
                : new RollbackOutcome.Failed(
                    Describe(refresh, attempts.Count, $"The flag file {path} was updated ({changed}) but the relay proxy refresh failed"),
                    $"The file already holds the rollback. Make the relay proxy reload it: " +
                    Curl("POST", RefreshUri(baseUrl), [("Authorization", "Bearer $GOFF_ADMIN_KEY")], null) +
                    " (or wait for its next poll, or restart it).",
                    attempts.Count);
        }
    }

    private protected override string ManualSteps(RollbackPlan plan, bool turnOn)
    {
        var path = FileOf(plan) ?? "(the flag file the relay proxy reads)";
        var edits = new List<string> { $"disable: {(plan.RestoreTo.Enabled ?? turnOn ? "false" : "true")}" };
        if (plan.RestoreTo.Variant is { } variant)
        {
            edits.Add($"defaultRule: {{variation: {variant}}}");
        }

        var refresh = Settings.BaseUrl(null) is { } baseUrl
            ? " Then run: " + Curl("POST", RefreshUri(baseUrl), [("Authorization", "Bearer $GOFF_ADMIN_KEY")], null)
            : " The relay proxy applies it at its next poll.";
        return $"Edit {path}: under '{plan.Flag.Key}' set {string.Join(" and ", edits)}.{refresh}";
    }

    /// <summary>Why a definition's <c>flag.settings.flagFile</c> is not allowed (outside <c>FlagFiles:Root</c>), or null.</summary>
    internal static string? ProblemWithFlagFile(IConfiguration configuration, string path) =>
        FlagFileRoot.Resolve(configuration, path, "flag.settings.flagFile", out var problem) is null ? problem : null;

    private string? FileOf(RollbackPlan plan) => SettingOf(plan, "flagFile") ?? Settings.Get("FlagFile");

    /// <summary>
    /// Why the flag file at <paramref name="path"/> (named by <paramref name="setting"/>) cannot be used: outside
    /// <c>FlagFiles:Root</c>, missing, or larger than the outbound read limit; null when it can, with its real path.
    /// </summary>
    private string? ProblemWithFile(string path, string setting, string verb, out string real)
    {
        real = "";
        if (FlagFileRoot.Resolve(Configuration, path, setting, out var refused) is not { } resolved)
        {
            return $"The GO Feature Flag flag file was not {verb}: {refused}.";
        }

        if (!File.Exists(resolved))
        {
            return $"The GO Feature Flag flag file named by {setting} does not exist.";
        }

        var max = Configuration.GetSection(OutboundOptions.Section).Get<OutboundOptions>()?.EffectiveMaxResponseBytes ?? OutboundOptions.DefaultMaxResponseBytes;
        if (new FileInfo(resolved).Length > max)
        {
            return $"The GO Feature Flag flag file named by {setting} is larger than Outbound:MaxResponseBytes ({max:N0} bytes) and was not read.";
        }

        real = resolved;
        return null;
    }

    /// <summary>The relay proxy's "reload the flag file now" call, with the admin key as Bearer when one is configured.</summary>
    private HttpRequestMessage RefreshRequest(string baseUrl)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, RefreshUri(baseUrl));
        if ((Settings.Get("AdminKey") ?? Settings.ApiToken) is { } adminKey)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);
        }

        return request;
    }

    private static Uri RefreshUri(string baseUrl) => ProviderSettings.Combine(baseUrl, "admin/v1/retriever/refresh");

    private static string Changes(RollbackPlan plan)
    {
        var parts = new List<string>();
        if (plan.RestoreTo.Enabled is { } enabled)
        {
            parts.Add($"disable: {(!enabled ? "true" : "false")}");
        }

        if (plan.RestoreTo.Variant is { } variant)
        {
            parts.Add($"defaultRule.variation '{variant}'");
        }

        return string.Join(", ", parts);
    }

    private static bool Unsupported(out string edited, out string problem)
    {
        edited = "";
        problem = "only JSON and YAML flag files can be edited (not TOML)";
        return false;
    }

    private protected override string PriorStateLookup(RollbackPlan plan) =>
        $"the flag file's history: git log -p -- {FileOf(plan) ?? "<the flag file the relay proxy reads>"} (look at '{plan.Flag.Key}': disable and defaultRule)";
}
