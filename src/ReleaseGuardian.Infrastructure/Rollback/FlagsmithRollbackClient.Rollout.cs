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
        CaptureWithAsync(http, flag, EndpointOf, SnapshotOf, cancellationToken);

    /// <inheritdoc />
    public Task<RolloutWriteResult> SetRolloutAsync(
        FlagBinding flag, FlagRolloutSnapshot preRelease, int percent, string? variant, string reason, CancellationToken cancellationToken) =>
        SetRolloutWithAsync(http, flag, percent, reason, EndpointOf, current => WithAllocation(current, percent, variant), SnapshotOf, cancellationToken);

    /// <inheritdoc />
    public Task<RolloutWriteResult> RestoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, string reason, CancellationToken cancellationToken) =>
        RestoreWithAsync(http, flag, preRelease, reason, EndpointOf,
            (current, captured) => JsonNode.DeepEquals(Normalised(StateOf(current)), Normalised(captured)), SnapshotOf, cancellationToken);

    /// <summary>
    /// The PATCH body that serves the chosen option to <paramref name="percent"/>% (the others 0%, control the rest)
    /// with the feature enabled; for an on/off feature 100 is on and 0 off. No update when it already is so.
    /// </summary>
    internal static RolloutEdit WithAllocation(string? featureStateJson, int percent, string? variant)
    {
        string done;
        var current = StateOf(featureStateJson);
        var values = (JsonArray)current[ValuesField]!;
        JsonObject edited;
        if (values.Count == 0)
        {
            if (percent is not (0 or 100))
            {
                return RolloutEdit.Refused($"the feature has no multivariate options, so it is on/off only: {percent}% cannot be served (a one-stage plan of 100% turns it on)");
            }

            edited = new JsonObject { ["enabled"] = percent == 100, [ValuesField] = new JsonArray() };
            done = percent == 100 ? "enabled" : "disabled";
        }
        else
        {
            if (OptionOf(values, variant, out var problem) is not { } option)
            {
                return RolloutEdit.Refused(problem);
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

        return new RolloutEdit(JsonNode.DeepEquals(Normalised(current), Normalised(edited)) ? null : edited, done);
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

    private RolloutEndpoint? EndpointOf(FlagBinding flag, out string problem)
    {
        var token = Settings.ApiToken;
        var (featureStateId, environmentKey) = (SettingOf(flag, "featureStateId"), SettingOf(flag, "environmentApiKey"));
        problem = token is null
            ? $"{Settings.KeyOf("ApiToken")} is not configured; nothing was sent."
            : featureStateId is null || environmentKey is null
                ? $"The Flagsmith {(featureStateId is null ? "featureStateId" : "environmentApiKey")} of feature '{flag.Key}' is unknown: set it in flag.settings; nothing was sent."
                : "";
        if (problem.Length > 0)
        {
            return null;
        }

        var uri = UriOf(environmentKey!, featureStateId!);
        return new RolloutEndpoint($"Flagsmith feature '{flag.Key}' (feature state {featureStateId})", () => Request(HttpMethod.Get, null), (update, _) => Request(HttpMethod.Patch, update));

        HttpRequestMessage Request(HttpMethod method, JsonObject? update)
        {
            if (update?[ValuesField] is JsonArray { Count: 0 })
            {
                // An on/off feature: only enabled changes.
                update = new JsonObject { ["enabled"] = update["enabled"]?.DeepClone() };
            }

            var request = new HttpRequestMessage(method, uri) { Content = update is null ? null : JsonContent(JsonBytes(update)) };
            Authorize(request, token!);
            return request;
        }
    }
}
