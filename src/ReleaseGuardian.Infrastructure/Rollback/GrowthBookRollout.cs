using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// GrowthBook rollouts: the <c>coverage</c> (0–1) of a <c>rollout</c> rule in the feature's environment rules, through
/// the REST API v1 (GrowthBook's OpenAPI: <c>GET /api/v1/features/{id}</c> answers <c>{"feature":{…,"environments":
/// {"production":{"enabled":…,"defaultValue":…,"rules":[…]}}}}</c> with FeatureRolloutRule
/// <c>{id, type:"rollout", description, condition, enabled, value, coverage, hashAttribute, savedGroupTargeting}</c>;
/// <c>POST /api/v1/features/{id}</c> with <c>{"environments":{"production":{"enabled":…,"rules":[…]}}}</c> replaces
/// that environment's rules and leaves the other environments alone).
/// </summary>
public sealed partial class GrowthBookRollbackClient
{
    /// <summary>The description of the rollout rule a release adds when the environment has none.</summary>
    public const string ReleaseRuleDescription = "Release Guardian rollout";

    private protected override async Task<FlagRolloutSnapshot> CaptureCoreAsync(FlagBinding flag, CancellationToken cancellationToken) =>
        Snapshot(await ReadAsync(flag, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Sets <c>coverage</c> of the pre-release state's first rollout rule (or of one the release adds at the end, so
    /// the rules before it keep their users) and enables the environment. When the environment was off before the
    /// release its other rules served nobody, so they are disabled while the release runs.
    /// </summary>
    private protected override async Task<RolloutWriteResult> SetRolloutCoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, int percent, string? variant, string reason, string what, CancellationToken cancellationToken)
    {
        var before = GrowthBookEnvironmentState.Parse(preRelease.State);
        var now = await ReadAsync(flag, cancellationToken).ConfigureAwait(false);
        var releaseId = before.Rules.FirstOrDefault(IsRollout)?["id"]?.GetValue<string>();
        var rules = now.Rules.Select(r => r.DeepClone().AsObject()).ToList();
        var target = rules.FirstOrDefault(r => releaseId is not null
            ? r["id"]?.GetValue<string>() == releaseId
            : IsRollout(r) && r["description"]?.GetValue<string>() == ReleaseRuleDescription);
        if (target is null)
        {
            target = new JsonObject
            {
                ["type"] = "rollout",
                ["description"] = ReleaseRuleDescription,
                ["condition"] = "",
                ["enabled"] = true,
                ["value"] = "true",
                ["coverage"] = 0,
                ["hashAttribute"] = "id",
            };
            rules.Add(target);
        }

        target["enabled"] = true;
        target["coverage"] = percent / 100m;
        if (variant is not null || target["value"] is null)
        {
            target["value"] = variant ?? "true";
        }

        if (!before.Enabled)
        {
            foreach (var other in rules.Where(r => r != target))
            {
                other["enabled"] = false;
            }
        }

        if (now.Enabled && JsonNode.DeepEquals(new JsonArray(rules.Select(r => (JsonNode)r.DeepClone()).ToArray()), new JsonArray(now.Rules.Select(r => (JsonNode)r.DeepClone()).ToArray())))
        {
            return new RolloutWriteResult(true, $"{what}: already so; now {Snapshot(now).Summary}.", Snapshot(now));
        }

        return await UpdateAsync(flag, now.Environment, true, rules, what, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the captured rules (all fields, ids, order) and on/off of the environment back in one update.</summary>
    private protected override Task<RolloutWriteResult> RestoreCoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, string reason, string what, CancellationToken cancellationToken)
    {
        var captured = GrowthBookEnvironmentState.Parse(preRelease.State);
        return UpdateAsync(flag, captured.Environment, captured.Enabled, captured.Rules, what, cancellationToken);
    }

    private async Task<RolloutWriteResult> UpdateAsync(FlagBinding flag, string environment, bool enabled, IEnumerable<JsonObject> rules, string what, CancellationToken cancellationToken)
    {
        var token = Settings.ApiToken ?? throw new FlagCaptureException($"{Settings.KeyOf("ApiToken")} is not configured.");
        var body = new JsonObject
        {
            ["environments"] = new JsonObject
            {
                [environment] = new JsonObject
                {
                    ["enabled"] = enabled,
                    ["rules"] = new JsonArray(rules.Select(r => (JsonNode)r.DeepClone()).ToArray()),
                },
            },
        };
        var attempts = new WriteAttempts();
        using var request = Authorized(new HttpRequestMessage(HttpMethod.Post, FeatureUri(flag)) { Content = JsonContent(Encoding.UTF8.GetBytes(body.ToJsonString())) }, token);
        var result = await SendAsync(http, request, attempts, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            return new RolloutWriteResult(false, Describe(result, attempts.Count, $"{what} was not written"), null);
        }

        return await FlagRollouts.ReadBackAsync(what, async () => Snapshot(await ReadAsync(flag, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
    }

    private async Task<GrowthBookEnvironmentState> ReadAsync(FlagBinding flag, CancellationToken cancellationToken)
    {
        var token = Settings.ApiToken ?? throw new FlagCaptureException($"{Settings.KeyOf("ApiToken")} is not configured.");
        var environment = string.IsNullOrWhiteSpace(flag.Environment) ? "production" : flag.Environment;
        using var request = Authorized(new HttpRequestMessage(HttpMethod.Get, FeatureUri(flag)), token);
        var result = await SendAsync(http, request, null, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            throw new FlagCaptureException(Describe(result, 1, $"GrowthBook feature '{flag.Key}' was not read"));
        }

        var env = JsonNode.Parse(result.Body!)?["feature"]?["environments"]?[environment] as JsonObject
            ?? throw new FlagCaptureException($"GrowthBook feature '{flag.Key}' has no environment '{environment}'.");
        return new GrowthBookEnvironmentState(
            environment,
            env["enabled"]?.GetValue<bool>() ?? false,
            (env["rules"] as JsonArray ?? []).OfType<JsonObject>().Select(r => r.DeepClone().AsObject()).ToList());
    }

    private FlagRolloutSnapshot Snapshot(GrowthBookEnvironmentState state)
    {
        var rollout = state.Rules.FirstOrDefault(r => IsRollout(r) && r["enabled"]?.GetValue<bool>() != false);
        var coverage = rollout?["coverage"] is JsonValue c && c.GetValueKind() == JsonValueKind.Number ? decimal.Parse(c.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture) : (decimal?)null;
        int? percent = !state.Enabled ? 0 : coverage is { } value ? (int)Math.Round(value * 100, MidpointRounding.ToZero) : null;
        var summary = new StringBuilder(state.Enabled ? "on" : "off").Append(" in ").Append(state.Environment);
        summary.Append(rollout is null ? ", no rollout rule" : $", rollout rule {(coverage ?? 0) * 100:0.##}% '{rollout["value"]?.GetValue<string>()}'");
        var others = state.Rules.Count - (rollout is null ? 0 : 1);
        if (others > 0)
        {
            summary.Append(CultureInfo.InvariantCulture, $", {others} other {(others == 1 ? "rule" : "rules")}");
        }

        // What a release writes: on/off and the environment's rules; dateUpdated, revision and definition are not in it.
        var fingerprint = FlagRollouts.Fingerprint(new JsonObject
        {
            ["enabled"] = state.Enabled,
            ["rules"] = new JsonArray(state.Rules.Select(r => (JsonNode)r.DeepClone()).ToArray()),
        });
        return new FlagRolloutSnapshot(Provider, state.ToJson(), percent, fingerprint, true, summary.ToString());
    }

    private Uri FeatureUri(FlagBinding flag) => ProviderSettings.Combine(Settings.BaseUrl(DefaultBaseUrl)!, $"api/v1/features/{Segment(flag.Key)}");

    private static bool IsRollout(JsonNode? rule) => rule?["type"]?.GetValue<string>() == "rollout";
}

/// <summary>One environment of a GrowthBook feature: on/off and its rules as GrowthBook returned them.</summary>
internal sealed record GrowthBookEnvironmentState(string Environment, bool Enabled, IReadOnlyList<JsonObject> Rules)
{
    public static GrowthBookEnvironmentState Parse(string state)
    {
        var o = JsonNode.Parse(state) as JsonObject ?? throw new FormatException("the captured state is not a JSON object");
        return new GrowthBookEnvironmentState(
            o["environment"]!.GetValue<string>(),
            o["enabled"]!.GetValue<bool>(),
            o["rules"]!.AsArray().OfType<JsonObject>().Select(r => r.DeepClone().AsObject()).ToList());
    }

    public string ToJson() => new JsonObject
    {
        ["environment"] = Environment,
        ["enabled"] = Enabled,
        ["rules"] = new JsonArray(Rules.Select(r => (JsonNode)r.DeepClone()).ToArray()),
    }.ToJsonString();
}
