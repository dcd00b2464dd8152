using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// GO Feature Flag rollouts: a <c>percentage</c> on the flag's <c>defaultRule</c> in its flag file
/// (<c>defaultRule: {percentage: {enabled: 10, disabled: 90}}</c>, the format of GO Feature Flag's own
/// testdata/flag-config.yaml; its rule evaluation wants the percentages to add up to exactly 100, and a percentage
/// wins over a <c>variation</c>). The file is the one the rollback edits, confined to <c>FlagFiles:Root</c> and
/// replaced atomically; the relay proxy is asked to reload it when <c>Providers:gofeatureflag:BaseUrl</c> is set.
/// </summary>
public sealed partial class GoFeatureFlagRollbackClient
{
    private protected override async Task<FlagRolloutSnapshot> CaptureCoreAsync(FlagBinding flag, CancellationToken cancellationToken)
    {
        var file = await ReadFileAsync(flag, "read", cancellationToken).ConfigureAwait(false);
        return Snapshot(flag.Key, file.Format, file.Document);
    }

    private protected override async Task<RolloutWriteResult> SetRolloutCoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, int percent, string? variant, string reason, string what, CancellationToken cancellationToken)
    {
        var before = JsonNode.Parse(preRelease.State)!["flag"]!.AsObject();
        var variations = Variations(before);
        var target = variant ?? OnVariation(before) ?? throw new RolloutStepFailedException(
            $"{what} was not written: the flag has no variation with the value true, so name the variant to roll out.");
        if (!variations.ContainsKey(target))
        {
            throw new RolloutStepFailedException($"{what} was not written: the flag has no variation '{target}'.");
        }

        var fallback = variations.Keys.FirstOrDefault(k => k != target && variations[k] is JsonValue v && v.GetValueKind() == JsonValueKind.False)
            ?? variations.Keys.FirstOrDefault(k => k != target)
            ?? throw new RolloutStepFailedException($"{what} was not written: the flag has a single variation, so nothing is left to serve the rest.");
        var served = Served(before).ToDictionary(s => s.Key, s => (long)Math.Round(s.Value * 1000));
        var shares = RolloutShares.Split(served, target, percent, 100, fallback, StringComparer.Ordinal)
            .OrderBy(s => s.Key == target ? 0 : 1).ThenBy(s => s.Key, StringComparer.Ordinal)
            .ToList();

        var file = await ReadFileAsync(flag, "edited", cancellationToken).ConfigureAwait(false);
        if (!GoFeatureFlagFileEdit.TrySetDefaultPercentage(file.Format, file.Document, flag.Key, shares, out var edited, out var problem))
        {
            RollbackLog.FileNotEditable(Logger, Provider, flag.Key, problem);
            throw new RolloutStepFailedException($"{what} was not written: the flag file named by {file.Setting} does not hold flag '{flag.Key}' in a layout this edit understands (details are in the server log).");
        }

        return await WriteAndRefreshAsync(flag, file, edited, what, cancellationToken).ConfigureAwait(false);
    }

    private protected override async Task<RolloutWriteResult> RestoreCoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, string reason, string what, CancellationToken cancellationToken)
    {
        var captured = JsonNode.Parse(preRelease.State)!["text"]!.GetValue<string>();
        var file = await ReadFileAsync(flag, "edited", cancellationToken).ConfigureAwait(false);
        if (!GoFeatureFlagFileEdit.TryReplaceFlagText(file.Format, file.Document, flag.Key, captured, out var edited, out var problem))
        {
            RollbackLog.FileNotEditable(Logger, Provider, flag.Key, problem);
            throw new RolloutStepFailedException($"{what} was not written: the flag file named by {file.Setting} no longer holds flag '{flag.Key}' (details are in the server log).");
        }

        return await WriteAndRefreshAsync(flag, file, edited, what, cancellationToken).ConfigureAwait(false);
    }

    private async Task<RolloutWriteResult> WriteAndRefreshAsync(FlagBinding flag, FlagFile file, string edited, string what, CancellationToken cancellationToken)
    {
        // The same edit again leaves the file (and its modification time, which the relay proxy polls) alone.
        if (!string.Equals(edited, file.Document, StringComparison.Ordinal))
        {
            await AtomicFile.WriteAllTextAsync(file.RealPath, edited, cancellationToken).ConfigureAwait(false);
        }

        var after = Snapshot(flag.Key, file.Format, edited);
        if (Settings.BaseUrl(null) is not { } baseUrl)
        {
            return new RolloutWriteResult(true, $"{what} written to {file.Setting}; no relay proxy configured ({Settings.KeyOf("BaseUrl")}), so it applies the file at its next poll. Now {after.Summary}.", after);
        }

        var attempts = new WriteAttempts();
        using var request = RefreshRequest(baseUrl);
        var refresh = await SendAsync(http, request, attempts, cancellationToken).ConfigureAwait(false);
        return refresh.IsSuccess
            ? new RolloutWriteResult(true, $"{what} written to {file.Setting}; relay proxy refreshed. Now {after.Summary}.", after)
            : new RolloutWriteResult(false, Describe(refresh, attempts.Count, $"{what} was written to {file.Setting} but the relay proxy refresh failed (it applies the file at its next poll)"), null);
    }

    private async Task<FlagFile> ReadFileAsync(FlagBinding flag, string verb, CancellationToken cancellationToken)
    {
        var fromBinding = flag.Settings.FirstOrDefault(s => string.Equals(s.Key, "flagFile", StringComparison.OrdinalIgnoreCase)).Value;
        var path = string.IsNullOrWhiteSpace(fromBinding) ? Settings.Get("FlagFile") : fromBinding;
        var setting = string.IsNullOrWhiteSpace(fromBinding) ? Settings.KeyOf("FlagFile") : "flag.settings.flagFile";
        if (path is null)
        {
            throw new FlagCaptureException($"The GO Feature Flag flag file is unknown: it was not found in flag.settings.flagFile or {Settings.KeyOf("FlagFile")}.");
        }

        if (ProblemWithFile(path, setting, verb, out var real) is { } problem)
        {
            throw new FlagCaptureException(problem);
        }

        var document = await File.ReadAllTextAsync(real, cancellationToken).ConfigureAwait(false);
        var format = GoFeatureFlagFileEdit.FormatOf(path, document);
        return format == GoFeatureFlagFileEdit.Format.Unsupported
            ? throw new FlagCaptureException($"The GO Feature Flag flag file named by {setting} is TOML; rollouts edit JSON and YAML flag files only.")
            : new FlagFile(real, setting, format, document);
    }

    private FlagRolloutSnapshot Snapshot(string flagKey, GoFeatureFlagFileEdit.Format format, string document)
    {
        if (!GoFeatureFlagFileEdit.TryReadFlagText(format, document, flagKey, out var text, out var problem) ||
            !GoFeatureFlagFileEdit.TryReadFlag(format, document, flagKey, out var flag, out problem))
        {
            RollbackLog.FileNotEditable(Logger, Provider, flagKey, problem);
            throw new FlagCaptureException($"The GO Feature Flag flag file does not hold flag '{flagKey}' in a form this client reads (details are in the server log).");
        }

        var disabled = flag["disable"] is JsonValue d && d.GetValueKind() == JsonValueKind.True;
        var served = Served(flag);
        var on = OnVariation(flag);
        int? percent = disabled ? 0
            : on is null || served.Count == 0 ? null
            : (int)Math.Round(served.GetValueOrDefault(on), MidpointRounding.ToZero);
        var rule = served.Count == 0
            ? "defaultRule not a variation or percentage"
            : "defaultRule " + string.Join(" / ", served.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal)
                .Select(s => $"{s.Value.ToString("0.##", CultureInfo.InvariantCulture)}% '{s.Key}'"));
        var state = new JsonObject
        {
            ["format"] = format.ToString().ToLowerInvariant(),
            ["text"] = text,
            ["flag"] = flag.DeepClone(),
        };
        return new FlagRolloutSnapshot(
            Provider,
            state.ToJsonString(),
            percent,
            FlagRollouts.Fingerprint(flag),
            Variations(flag).Count >= 2,
            (disabled ? "disabled (disable: true), " : "enabled, ") + rule);
    }

    private static Dictionary<string, JsonNode?> Variations(JsonObject flag) =>
        (flag["variations"] as JsonObject ?? []).ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);

    private static string? OnVariation(JsonObject flag) =>
        Variations(flag).FirstOrDefault(v => v.Value is JsonValue value && value.GetValueKind() == JsonValueKind.True).Key;

    /// <summary>The default rule's split (variation → percent), empty for a progressive rollout or no default rule.</summary>
    private static Dictionary<string, double> Served(JsonObject flag)
    {
        var rule = flag["defaultRule"] as JsonObject;
        if (rule?["percentage"] is JsonObject percentages)
        {
            // A number read from YAML is a long or a double, from JSON an element: its JSON text reads the same for all.
            return percentages.ToDictionary(
                p => p.Key,
                p => p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture) : 0,
                StringComparer.Ordinal);
        }

        return rule?["variation"] is JsonValue variation && variation.GetValueKind() == JsonValueKind.String && rule["progressiveRollout"] is null
            ? new Dictionary<string, double>(StringComparer.Ordinal) { [variation.GetValue<string>()] = 100 }
            : new Dictionary<string, double>(StringComparer.Ordinal);
    }

    private sealed record FlagFile(string RealPath, string Setting, GoFeatureFlagFileEdit.Format Format, string Document);
}
