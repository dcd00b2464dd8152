using System.Globalization;
using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Rollout percentages on ConfigCat: the percentage options of a percentage-only targeting rule (a rule without
/// conditions), read and replaced through the Public Management API v2
/// (<c>GET</c>/<c>PUT /v2/environments/{environmentId}/settings/{settingId}/value</c>,
/// https://configcat.com/docs/api/reference/replace-setting-value-v-2/), whose body is exactly <c>defaultValue</c>,
/// <c>targetingRules</c> and <c>percentageEvaluationAttribute</c>. The rule is appended after the existing rules, or
/// its options replaced when the flag already ends with one; the rules before it keep deciding first. A restore PUTs
/// the captured three fields back. Needs the binding's Settings <c>environmentId</c> and <c>settingId</c>.
/// </summary>
public sealed partial class ConfigCatRollbackClient : IFlagRolloutClient
{
    /// <inheritdoc />
    public bool SupportsPercentages => true;

    /// <inheritdoc />
    public Task<FlagRolloutSnapshot> CaptureAsync(FlagBinding flag, CancellationToken cancellationToken) =>
        CaptureWithAsync(http, flag, EndpointOf, SnapshotOf, cancellationToken);

    /// <inheritdoc />
    public Task<RolloutWriteResult> SetRolloutAsync(
        FlagBinding flag, FlagRolloutSnapshot preRelease, int percent, string? variant, string reason, CancellationToken cancellationToken) =>
        SetRolloutWithAsync(http, flag, percent, reason, EndpointOf, current => WithPercentageRule(current, percent, variant), SnapshotOf, cancellationToken);

    /// <inheritdoc />
    public Task<RolloutWriteResult> RestoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, string reason, CancellationToken cancellationToken) =>
        RestoreWithAsync(http, flag, preRelease, reason, EndpointOf, (current, captured) => JsonNode.DeepEquals(FormulaOf(current), captured), SnapshotOf, cancellationToken);

    /// <summary>
    /// The formula with a percentage-only rule serving <paramref name="variant"/> (null: true) to
    /// <paramref name="percent"/>% and the pre-release value (false, or the default value) to the rest; no update
    /// when the flag already is so.
    /// </summary>
    internal static RolloutEdit WithPercentageRule(string? valueJson, int percent, string? variant)
    {
        var current = FormulaOf(valueJson);
        if (!TryServedValues(current["defaultValue"] as JsonObject, variant, out var served, out var rest, out var problem))
        {
            return RolloutEdit.Refused(problem);
        }

        var edited = current.DeepClone().AsObject();
        if (edited["targetingRules"] is not JsonArray rules)
        {
            edited["targetingRules"] = rules = [];
        }

        var options = new JsonArray(
            new JsonObject { ["percentage"] = percent, ["value"] = served.DeepClone() },
            new JsonObject { ["percentage"] = 100 - percent, ["value"] = rest.DeepClone() });
        if (PercentageRuleOf(rules) is { } rule)
        {
            rule["percentageOptions"] = options;
            rule["value"] = null;
        }
        else
        {
            rules.Add(new JsonObject { ["conditions"] = new JsonArray(), ["percentageOptions"] = options, ["value"] = null });
        }

        return new RolloutEdit(JsonNode.DeepEquals(current, edited) ? null : edited, $"{percent}% {ValueWords(served)} / {100 - percent}% {ValueWords(rest)}");
    }

    /// <summary>What a release may touch, from the v2 value read (SettingFormulaModel).</summary>
    internal FlagRolloutSnapshot SnapshotOf(string? valueJson)
    {
        var formula = FormulaOf(valueJson);
        var defaultValue = formula["defaultValue"] as JsonObject ?? throw new FormatException("the setting value has no defaultValue");
        var rules = formula["targetingRules"] as JsonArray ?? [];
        var isBool = defaultValue["boolValue"] is JsonValue;
        var percentageRule = PercentageRuleOf(rules);
        var conditional = rules.Count - (percentageRule is null ? 0 : 1);

        int? percent;
        string summary;
        if (percentageRule?["percentageOptions"] is JsonArray options)
        {
            var parts = options.OfType<JsonObject>().Select(o => (Share: NumberOf(o["percentage"]) ?? 0, Value: o["value"] as JsonObject)).ToArray();
            percent = isBool ? (int)Math.Round(parts.Where(p => p.Value?["boolValue"]?.GetValue<bool>() == true).Sum(p => p.Share)) : null;
            summary = "percentage options " + string.Join(" / ", parts.Select(p => $"{PercentWords(p.Share)} {ValueWords(p.Value)}"));
        }
        else
        {
            percent = isBool ? (defaultValue["boolValue"]!.GetValue<bool>() ? 100 : 0) : null;
            summary = $"default value {ValueWords(defaultValue)}";
        }

        if (conditional > 0)
        {
            summary += string.Create(CultureInfo.InvariantCulture, $", after {conditional} targeting rule(s)");
        }

        return new FlagRolloutSnapshot(Provider, formula.ToJsonString(), percent, FingerprintOf(formula), true, summary);
    }

    /// <summary>The three fields the v2 replace endpoint takes, from a value read (other fields are metadata).</summary>
    private static JsonObject FormulaOf(string? valueJson)
    {
        var value = ParseObject(valueJson, "the setting value", out var problem) ?? throw new FormatException(problem);
        return new JsonObject
        {
            ["defaultValue"] = value["defaultValue"]?.DeepClone(),
            ["targetingRules"] = value["targetingRules"]?.DeepClone() ?? new JsonArray(),
            ["percentageEvaluationAttribute"] = value["percentageEvaluationAttribute"]?.DeepClone(),
        };
    }

    /// <summary>The last rule, when it has no conditions and serves percentage options (the one a release drives).</summary>
    private static JsonObject? PercentageRuleOf(JsonArray rules) =>
        rules.Count > 0 && rules[^1] is JsonObject last &&
        (last["conditions"] is not JsonArray conditions || conditions.Count == 0) &&
        last["percentageOptions"] is JsonArray { Count: > 0 }
            ? last
            : null;

    /// <summary>The value served to the rollout's share and to the rest, in the setting's type.</summary>
    private static bool TryServedValues(JsonObject? defaultValue, string? variant, out JsonObject served, out JsonObject rest, out string problem)
    {
        (served, rest, problem) = (new JsonObject(), new JsonObject(), "");
        if (defaultValue?["boolValue"] is JsonValue)
        {
            if (variant is not null && !string.Equals(variant, "true", StringComparison.OrdinalIgnoreCase))
            {
                problem = $"a boolean flag rolls out true; variant '{variant}' is not one of its values";
                return false;
            }

            (served, rest) = (new JsonObject { ["boolValue"] = true }, new JsonObject { ["boolValue"] = false });
            return true;
        }

        if (variant is null)
        {
            problem = "the setting is not a boolean flag, so the plan must name the value to roll out (variant)";
            return false;
        }

        rest = defaultValue?.DeepClone().AsObject() ?? throw new FormatException("the setting value has no defaultValue");
        if (defaultValue["stringValue"] is JsonValue)
        {
            served = new JsonObject { ["stringValue"] = variant };
        }
        else if (defaultValue["intValue"] is JsonValue && int.TryParse(variant, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole))
        {
            served = new JsonObject { ["intValue"] = whole };
        }
        else if (defaultValue["doubleValue"] is JsonValue && double.TryParse(variant, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            served = new JsonObject { ["doubleValue"] = number };
        }
        else
        {
            problem = $"variant '{variant}' is not a value of the setting's type";
            return false;
        }

        return true;
    }

    private static string ValueWords(JsonObject? value) =>
        value?.FirstOrDefault(p => p.Value is not null).Value is { } v ? $"'{(v is JsonValue s && s.TryGetValue<string>(out var text) ? text : v.ToJsonString())}'" : "'?'";

    private RolloutEndpoint? EndpointOf(FlagBinding flag, out string problem)
    {
        var (username, password) = (Settings.Get("Username"), Settings.Get("Password"));
        var (environmentId, settingId) = (SettingOf(flag, "environmentId"), SettingOf(flag, "settingId"));
        problem = username is null || password is null
            ? $"{Settings.KeyOf(username is null ? "Username" : "Password")} is not configured; nothing was sent."
            : environmentId is null || settingId is null
                ? $"The ConfigCat {(environmentId is null ? "environmentId" : "settingId")} of flag '{flag.Key}' is unknown: set it in flag.settings; nothing was sent."
                : "";
        if (problem.Length > 0)
        {
            return null;
        }

        return new RolloutEndpoint(
            $"ConfigCat setting '{flag.Key}' (id {settingId}) in environment {environmentId}",
            () => Request(HttpMethod.Get, ValueUri(environmentId!, settingId!, null), null),
            (formula, reason) => Request(HttpMethod.Put, ValueUri(environmentId!, settingId!, $"Release Guardian: {reason}"), formula));

        HttpRequestMessage Request(HttpMethod method, Uri uri, JsonObject? body)
        {
            var request = new HttpRequestMessage(method, uri) { Content = body is null ? null : JsonContent(JsonBytes(body)) };
            Authorize(request, username!, password!);
            return request;
        }
    }
}
