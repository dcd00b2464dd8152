using System.Globalization;
using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Rollout percentages on Split (Harness FME): the default rule's treatment buckets of the feature flag definition in
/// an environment, read with <c>GET</c> and written with the Admin API's full update
/// <c>PUT /internal/api/v2/splits/ws/{workspaceId}/{flag}/environments/{environment}</c>
/// (https://docs.split.io/reference/full-update-split-definition-in-environment). The rolled-out treatment (the plan's
/// variant, else <c>on</c>) gets p%, the pre-release default rule's other treatment the rest; targeting rules, traffic
/// allocation and treatments stay. A killed flag is refused (a kill is a person's decision). A restore PUTs the
/// captured definition back.
/// </summary>
public sealed partial class SplitRollbackClient : IFlagRolloutClient
{
    /// <summary>The definition fields a full update takes (the rest is read-only: name, environment, times, killed).</summary>
    private static readonly string[] WritableFields = ["treatments", "defaultTreatment", "baselineTreatment", "trafficAllocation", "rules", "defaultRule"];

    /// <summary>Fields that move without anybody changing the flag.</summary>
    private static readonly string[] VolatileFields = ["creationTime", "lastUpdateTime", "lastTrafficReceivedAt", "changeNumber"];

    /// <inheritdoc />
    public bool SupportsPercentages => true;

    /// <inheritdoc />
    public Task<FlagRolloutSnapshot> CaptureAsync(FlagBinding flag, CancellationToken cancellationToken) =>
        CaptureWithAsync(http, flag, EndpointOf, SnapshotOf, cancellationToken);

    /// <inheritdoc />
    public Task<RolloutWriteResult> SetRolloutAsync(
        FlagBinding flag, FlagRolloutSnapshot preRelease, int percent, string? variant, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(preRelease);
        var before = IsUnknown(preRelease) ? null : ParseObject(preRelease.State, "the captured state", out _);
        return SetRolloutWithAsync(http, flag, percent, reason, EndpointOf, current => WithDefaultRule(current, before, percent, variant ?? "on"), SnapshotOf, cancellationToken);
    }

    /// <inheritdoc />
    public Task<RolloutWriteResult> RestoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, string reason, CancellationToken cancellationToken) =>
        RestoreWithAsync(http, flag, preRelease, reason, EndpointOf,
            (current, captured) => JsonNode.DeepEquals(Writable(StateOf(current)), Writable(captured)), SnapshotOf, cancellationToken);

    /// <summary>
    /// The definition with the default rule serving <paramref name="treatment"/> to <paramref name="percent"/>% and the
    /// pre-release default treatment to the rest; no update when it already does.
    /// </summary>
    internal static RolloutEdit WithDefaultRule(string? definitionJson, JsonObject? preRelease, int percent, string treatment)
    {
        var current = StateOf(definitionJson);
        if (current["killed"] is JsonValue k && k.TryGetValue<bool>(out var killed) && killed)
        {
            return RolloutEdit.Refused("it is killed in this environment; a kill is a person's decision, restore it in Split before a release");
        }

        var treatments = (current["treatments"] as JsonArray ?? []).Select(t => t?["name"]?.GetValue<string>()).OfType<string>().ToArray();
        if (!treatments.Contains(treatment, StringComparer.Ordinal))
        {
            return RolloutEdit.Refused($"treatment '{treatment}' is not one of the flag's treatments ({string.Join(", ", treatments)})");
        }

        var rest = RestTreatment(preRelease ?? current, treatment, treatments);
        if (rest is null && percent < 100)
        {
            return RolloutEdit.Refused($"the flag has no treatment other than '{treatment}' to serve the remaining {100 - percent}%");
        }

        var buckets = BucketsOf(percent, treatment, rest);
        var edited = current.DeepClone().AsObject();
        edited["defaultRule"] = buckets;
        return new RolloutEdit(JsonNode.DeepEquals(Sizes(current["defaultRule"]), Sizes(buckets)) ? null : edited, "default rule " + BucketWords(buckets));
    }

    /// <summary>The default rule's buckets: sizes are whole percentages summing to exactly 100, empty buckets left out.</summary>
    internal static JsonArray BucketsOf(int percent, string treatment, string? rest)
    {
        var buckets = new JsonArray();
        if (percent > 0)
        {
            buckets.Add(new JsonObject { ["treatment"] = treatment, ["size"] = percent });
        }

        if (percent < 100)
        {
            buckets.Add(new JsonObject { ["treatment"] = rest, ["size"] = 100 - percent });
        }

        return buckets;
    }

    /// <summary>What a release may touch, from a definition read.</summary>
    internal FlagRolloutSnapshot SnapshotOf(string? definitionJson)
    {
        var state = StateOf(definitionJson);
        var killed = state["killed"] is JsonValue k && k.TryGetValue<bool>(out var isKilled) && isKilled;
        var buckets = state["defaultRule"] as JsonArray ?? [];
        var on = buckets.OfType<JsonObject>().Where(b => b["treatment"]?.GetValue<string>() == "on").Sum(b => NumberOf(b["size"]) ?? 0);
        var hasOn = (state["treatments"] as JsonArray ?? []).Any(t => t?["name"]?.GetValue<string>() == "on");
        var rules = (state["rules"] as JsonArray)?.Count ?? 0;
        var allocation = NumberOf(state["trafficAllocation"]) ?? 100;
        var summary = (killed ? $"killed (all get '{state["defaultTreatment"]?.GetValue<string>()}'); " : "") + "default rule " + BucketWords(buckets) +
                      (rules == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $", after {rules} targeting rule(s)")) +
                      (allocation >= 100 ? "" : $", traffic allocation {PercentWords(allocation)}");
        int? percent = killed ? 0 : hasOn ? (int)Math.Round(on, MidpointRounding.AwayFromZero) : null;
        return new FlagRolloutSnapshot(Provider, state.ToJsonString(), percent, FingerprintOf(state), true, summary);
    }

    /// <summary>The definition without the fields that move by themselves.</summary>
    private static JsonObject StateOf(string? definitionJson)
    {
        var definition = ParseObject(definitionJson, "the feature flag definition", out var problem) ?? throw new FormatException(problem);
        foreach (var field in VolatileFields)
        {
            definition.Remove(field);
        }

        return definition;
    }

    private static JsonObject Writable(JsonObject definition)
    {
        var body = new JsonObject();
        foreach (var field in WritableFields)
        {
            if (definition[field] is { } value)
            {
                body[field] = value.DeepClone();
            }
        }

        return body;
    }

    /// <summary>The treatment the rest gets: the largest other bucket of the default rule, else the default treatment, else another treatment.</summary>
    private static string? RestTreatment(JsonObject definition, string treatment, string[] treatments) =>
        (definition["defaultRule"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(b => b["treatment"]?.GetValue<string>() is { } t && t != treatment)
            .OrderByDescending(b => NumberOf(b["size"]) ?? 0)
            .Select(b => b["treatment"]!.GetValue<string>())
            .FirstOrDefault()
        ?? (definition["defaultTreatment"]?.GetValue<string>() is { } fallback && fallback != treatment ? fallback : null)
        ?? treatments.FirstOrDefault(t => t != treatment);

    /// <summary>treatment → size, zero sizes dropped, for comparing default rules.</summary>
    private static JsonObject Sizes(JsonNode? buckets)
    {
        var sizes = new JsonObject();
        foreach (var bucket in (buckets as JsonArray ?? []).OfType<JsonObject>().OrderBy(b => b["treatment"]?.GetValue<string>(), StringComparer.Ordinal))
        {
            if (bucket["treatment"]?.GetValue<string>() is { } name && NumberOf(bucket["size"]) is > 0 and var size)
            {
                sizes[name] = (NumberOf(sizes[name]) ?? 0) + size;
            }
        }

        return sizes;
    }

    private static string BucketWords(JsonArray buckets) =>
        string.Join(" / ", buckets.OfType<JsonObject>().Select(b => $"{PercentWords(NumberOf(b["size"]) ?? 0)} '{b["treatment"]?.GetValue<string>()}'"));

    private RolloutEndpoint? EndpointOf(FlagBinding flag, out string problem)
    {
        var token = Settings.ApiToken;
        var workspaceId = SettingOf(flag, "workspaceId") ?? Settings.Get("WorkspaceId");
        var environment = SettingOf(flag, "environmentId") ?? (string.IsNullOrWhiteSpace(flag.Environment) ? null : flag.Environment);
        problem = token is null
            ? $"{Settings.KeyOf("ApiToken")} is not configured; nothing was sent."
            : workspaceId is null
                ? $"The Split workspaceId of flag '{flag.Key}' is unknown: set it in flag.settings or {Settings.KeyOf("WorkspaceId")}; nothing was sent."
                : environment is null
                    ? $"The Split environment of flag '{flag.Key}' is unknown: set flag.environment or flag.settings.environmentId; nothing was sent."
                    : "";
        if (problem.Length > 0)
        {
            return null;
        }

        var uri = DefinitionUri(workspaceId!, flag.Key, environment!);
        return new RolloutEndpoint($"Split feature flag '{flag.Key}' in environment '{environment}'", () => Request(HttpMethod.Get, null), (definition, reason) =>
        {
            var body = Writable(definition);
            body["comment"] = $"Release Guardian: {reason}";
            return Request(HttpMethod.Put, body);
        });

        HttpRequestMessage Request(HttpMethod method, JsonObject? body)
        {
            var request = new HttpRequestMessage(method, uri) { Content = body is null ? null : JsonContent(JsonBytes(body)) };
            Authorize(request, token!);
            return request;
        }
    }
}
