using System.Globalization;
using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Rollout percentages on Flagsmith: the environment feature state's <c>multivariate_feature_state_values</c>
/// (<c>percentage_allocation</c> per multivariate option; the control value gets the rest), read with
/// <c>GET</c> and written with <c>PATCH /api/v1/environments/{environmentApiKey}/featurestates/{featureStateId}/</c>
/// (Flagsmith's <c>FeatureStateSerializerBasic</c>, a writable nested serializer: values are matched by id). A plain
/// feature without multivariate options is on/off only: its snapshot says <see cref="FlagRolloutSnapshot.SupportsPercentages"/>
/// false and only 0% (off) and 100% (on) are accepted. A restore PATCHes the captured <c>enabled</c> and allocations back.
/// </summary>
public sealed partial class FlagsmithRollbackClient : IFlagRolloutClient
{
    private const string ValuesField = "multivariate_feature_state_values";

    /// <inheritdoc />
    public bool SupportsPercentages => true;

    /// <inheritdoc />
    public Task<FlagRolloutSnapshot> CaptureAsync(FlagBinding flag, CancellationToken cancellationToken) =>
        CaptureGuardedAsync(flag, ct => TargetOf(flag, out var problem) is { } target
            ? ReadSnapshotAsync(http, Read(target), SnapshotOf, What(flag, target), ct)
            : Task.FromResult(UnknownSnapshot(problem)), cancellationToken);

    /// <inheritdoc />
    public Task<RolloutWriteResult> SetRolloutAsync(
        FlagBinding flag, FlagRolloutSnapshot preRelease, int percent, string? variant, string reason, CancellationToken cancellationToken) =>
        WriteGuardedAsync(flag, $"set {percent}%", ct =>
        {
            if ((PercentProblem(percent) is { } problem) || TargetOf(flag, out problem) is not { } target)
            {
                return Task.FromResult(new RolloutWriteResult(false, problem, null));
            }

            return ReadEditWriteAsync(http, () => Read(target), current =>
                TryRollout(current, percent, variant, out var update, out var done, out var refused)
                    ? new RolloutEdit(update is null ? null : Write(target, update), done)
                    : RolloutEdit.Refused(refused), SnapshotOf, What(flag, target), ct);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<RolloutWriteResult> RestoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, string reason, CancellationToken cancellationToken) =>
        WriteGuardedAsync(flag, "restore", ct =>
        {
            ArgumentNullException.ThrowIfNull(preRelease);
            if (IsUnknown(preRelease) || ParseObject(preRelease.State, "The captured state", out _) is not { } captured)
            {
                return Task.FromResult(new RolloutWriteResult(false, $"Nothing to restore for Flagsmith feature '{flag.Key}': the pre-release state is unknown ({preRelease.Summary}).", null));
            }

            if (TargetOf(flag, out var problem) is not { } target)
            {
                return Task.FromResult(new RolloutWriteResult(false, problem, null));
            }

            return ReadEditWriteAsync(http, () => Read(target), current =>
                JsonNode.DeepEquals(Normalised(StateOf(current)), Normalised(captured))
                    ? new RolloutEdit(null, "the captured state")
                    : new RolloutEdit(Write(target, captured), "the captured state"), SnapshotOf, What(flag, target), ct);
        }, cancellationToken);

    /// <summary>
    /// The PATCH body that serves the chosen option to <paramref name="percent"/>% (the others 0%, control the rest)
    /// with the feature enabled; for an on/off feature 100 is on and 0 off. Null <paramref name="update"/>: already so.
    /// </summary>
    internal static bool TryRollout(string? featureStateJson, int percent, string? variant, out JsonObject? update, out string done, out string problem)
    {
        (update, done, problem) = (null, "", "");
        var current = StateOf(featureStateJson);
        var values = (JsonArray)current[ValuesField]!;
        JsonObject edited;
        if (values.Count == 0)
        {
            if (percent is not (0 or 100))
            {
                problem = $"the feature has no multivariate options, so it is on/off only: {percent}% cannot be served (a one-stage plan of 100% turns it on)";
                return false;
            }

            edited = new JsonObject { ["enabled"] = percent == 100, [ValuesField] = new JsonArray() };
            done = percent == 100 ? "enabled" : "disabled";
        }
        else
        {
            if (OptionOf(values, variant, out problem) is not { } option)
            {
                return false;
            }

            edited = new JsonObject
            {
                ["enabled"] = true,
                [ValuesField] = new JsonArray([.. values.OfType<JsonObject>().Select(v => (JsonNode)new JsonObject
                {
                    ["id"] = v["id"]?.DeepClone(),
                    ["multivariate_feature_option"] = v["multivariate_feature_option"]?.DeepClone(),
                    ["percentage_allocation"] = OptionIdOf(v) == option ? percent : 0,
                })]),
            };
            done = string.Create(CultureInfo.InvariantCulture, $"enabled, option {option} {percent}%, control {100 - percent}%");
        }

        update = JsonNode.DeepEquals(Normalised(current), Normalised(edited)) ? null : edited;
        return true;
    }

    /// <summary>What a release may touch, from a feature state read.</summary>
    internal FlagRolloutSnapshot SnapshotOf(string? featureStateJson)
    {
        var state = StateOf(featureStateJson);
        var enabled = state["enabled"]!.GetValue<bool>();
        var values = ((JsonArray)state[ValuesField]!).OfType<JsonObject>()
            .Select(v => (Option: OptionIdOf(v), Share: NumberOf(v["percentage_allocation"]) ?? 0)).ToArray();
        var valued = ParseObject(featureStateJson, "the feature state", out _)!;
        var fingerprint = FingerprintOf(new JsonObject
        {
            ["state"] = Normalised(state),
            ["feature_state_value"] = valued["feature_state_value"]?.DeepClone(),
        });
        if (values.Length == 0)
        {
            return new FlagRolloutSnapshot(Provider, state.ToJsonString(), enabled ? 100 : 0, fingerprint, false, enabled ? "enabled (on/off only)" : "disabled (on/off only)");
        }

        var served = values.Sum(v => v.Share);
        var summary = (enabled ? "enabled, " : "disabled, ") +
                      string.Join(", ", values.Select(v => $"option {v.Option} {PercentWords(v.Share)}")) + $", control {PercentWords(100 - served)}";
        return new FlagRolloutSnapshot(Provider, state.ToJsonString(), enabled ? (int)Math.Round(served, MidpointRounding.AwayFromZero) : 0, fingerprint, true, summary);
    }

    /// <summary><c>enabled</c> and the allocations, the parts a rollout writes.</summary>
    private static JsonObject StateOf(string? featureStateJson)
    {
        var state = ParseObject(featureStateJson, "the feature state", out var problem) ?? throw new FormatException(problem);
        var enabled = state["enabled"] is JsonValue e && e.TryGetValue<bool>(out var on) ? on : throw new FormatException("the feature state has no 'enabled'");
        return new JsonObject
        {
            ["enabled"] = enabled,
            [ValuesField] = new JsonArray([.. (state[ValuesField] as JsonArray ?? []).OfType<JsonObject>().Select(v => (JsonNode)new JsonObject
            {
                ["id"] = v["id"]?.DeepClone(),
                ["multivariate_feature_option"] = v["multivariate_feature_option"]?.DeepClone(),
                ["percentage_allocation"] = v["percentage_allocation"]?.DeepClone(),
            })]),
        };
    }

    /// <summary>The state with values in option order (the API's order is not promised), for comparing.</summary>
    private static JsonObject Normalised(JsonObject state) => new()
    {
        ["enabled"] = state["enabled"]?.DeepClone(),
        [ValuesField] = new JsonArray([.. (state[ValuesField] as JsonArray ?? []).OfType<JsonObject>()
            .OrderBy(OptionIdOf, StringComparer.Ordinal)
            .Select(v => (JsonNode)new JsonObject
            {
                ["multivariate_feature_option"] = OptionIdOf(v),
                ["percentage_allocation"] = NumberOf(v["percentage_allocation"]) ?? 0,
            })]),
    };

    private static string OptionIdOf(JsonObject value) => value["multivariate_feature_option"]?.ToJsonString() ?? "";

    /// <summary>The option to roll out: the only one, or the one whose id the plan's variant names.</summary>
    private static string? OptionOf(JsonArray values, string? variant, out string problem)
    {
        var options = values.OfType<JsonObject>().Select(OptionIdOf).ToArray();
        problem = "";
        if (variant is null)
        {
            if (options.Length == 1)
            {
                return options[0];
            }

            problem = $"the feature has {options.Length} multivariate options ({string.Join(", ", options)}); name the one to roll out by its id as the plan's variant";
            return null;
        }

        if (options.Contains(variant, StringComparer.Ordinal))
        {
            return variant;
        }

        problem = $"variant '{variant}' is not one of the feature's multivariate option ids ({string.Join(", ", options)})";
        return null;
    }

    private FlagsmithTarget? TargetOf(FlagBinding flag, out string problem)
    {
        var token = Settings.ApiToken;
        var (featureStateId, environmentKey) = (SettingOf(flag, "featureStateId"), SettingOf(flag, "environmentApiKey"));
        problem = token is null
            ? $"{Settings.KeyOf("ApiToken")} is not configured; nothing was sent."
            : featureStateId is null || environmentKey is null
                ? $"The Flagsmith {(featureStateId is null ? "featureStateId" : "environmentApiKey")} of feature '{flag.Key}' is unknown: set it in flag.settings; nothing was sent."
                : "";
        return problem.Length == 0 ? new FlagsmithTarget(token!, environmentKey!, featureStateId!) : null;
    }

    private static string What(FlagBinding flag, FlagsmithTarget target) => $"Flagsmith feature '{flag.Key}' (feature state {target.FeatureStateId})";

    private HttpRequestMessage Read(FlagsmithTarget target)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, UriOf(target.EnvironmentKey, target.FeatureStateId));
        Authorize(request, target.Token);
        return request;
    }

    private HttpRequestMessage Write(FlagsmithTarget target, JsonObject update)
    {
        if (update[ValuesField] is JsonArray { Count: 0 })
        {
            // An on/off feature: only enabled changes.
            update = new JsonObject { ["enabled"] = update["enabled"]?.DeepClone() };
        }

        var request = new HttpRequestMessage(HttpMethod.Patch, UriOf(target.EnvironmentKey, target.FeatureStateId)) { Content = JsonContent(JsonBytes(update)) };
        Authorize(request, target.Token);
        return request;
    }

    private sealed record FlagsmithTarget(string Token, string EnvironmentKey, string FeatureStateId);
}
