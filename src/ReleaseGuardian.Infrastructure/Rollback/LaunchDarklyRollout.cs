using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// LaunchDarkly rollouts: a percentage rollout on the environment's fallthrough ("default rule").
/// Capture is <c>GET /api/v2/flags/{project}/{key}?env={environment}</c>; a rollout and a restore are one semantic
/// patch (<c>turnFlagOn</c>/<c>turnFlagOff</c> and <c>updateFallthroughVariationOrRollout</c> with a
/// <c>variationId</c> or <c>rolloutWeights</c> keyed by variation id, in thousandths of a percent), as in
/// LaunchDarkly's API reference ("Update feature flag", semantic patch instructions).
/// </summary>
public sealed partial class LaunchDarklyRollbackClient
{
    private protected override Task<FlagRolloutSnapshot> CaptureCoreAsync(FlagBinding flag, CancellationToken cancellationToken) => ReadAsync(flag, cancellationToken);

    private protected override async Task<RolloutWriteResult> SetRolloutCoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, int percent, string? variant, string reason, string what, CancellationToken cancellationToken)
    {
        var state = LaunchDarklyFlagState.Parse(preRelease.State);
        var target = state.VariationOf(variant) ?? throw new FlagCaptureException(
            variant is null
                ? "the flag has no 'true' variation and no default on variation, so name the variant to roll out"
                : $"the flag has no variation '{variant}' (by id, name or value)");
        var instruction = new JsonObject { ["kind"] = "updateFallthroughVariationOrRollout" };
        if (percent == 100)
        {
            instruction["variationId"] = state.Variations[target].Id;
        }
        else
        {
            var fallback = state.FallbackFor(target) ?? throw new FlagCaptureException("the flag has a single variation, so nothing is left to serve the rest");
            var weights = LaunchDarklyWeights.Split(state.Served(), target, percent, fallback);
            instruction["rolloutWeights"] = WeightsById(state, weights.Where(w => w.Value > 0 || w.Key == target));
            AddBucketing(instruction, state.Fallthrough);
        }

        return await PatchAsync(flag, what, true, instruction, reason, cancellationToken).ConfigureAwait(false);
    }

    private protected override async Task<RolloutWriteResult> RestoreCoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, string reason, string what, CancellationToken cancellationToken)
    {
        var state = LaunchDarklyFlagState.Parse(preRelease.State);
        var instruction = new JsonObject { ["kind"] = "updateFallthroughVariationOrRollout" };
        if (state.Fallthrough?["variation"] is JsonValue variation)
        {
            instruction["variationId"] = state.Variations[variation.GetValue<int>()].Id;
        }
        else if (state.Fallthrough?["rollout"]?["variations"] is JsonArray weighted)
        {
            instruction["rolloutWeights"] = WeightsById(state, weighted.Select(w =>
                KeyValuePair.Create(w!["variation"]!.GetValue<int>(), w["weight"]?.GetValue<int>() ?? 0)));
            AddBucketing(instruction, state.Fallthrough);
        }
        else
        {
            throw new FlagCaptureException("the captured fallthrough is neither a variation nor a rollout");
        }

        return await PatchAsync(flag, what, state.On, instruction, reason, cancellationToken).ConfigureAwait(false);
    }

    private async Task<FlagRolloutSnapshot> ReadAsync(FlagBinding flag, CancellationToken cancellationToken)
    {
        var token = Settings.ApiToken ?? throw new FlagCaptureException($"{Settings.KeyOf("ApiToken")} is not configured.");
        var environment = EnvironmentOf(flag);
        using var request = Authorized(new HttpRequestMessage(HttpMethod.Get, FlagUri(flag.Project ?? "default", flag.Key, "?env=" + Uri.EscapeDataString(environment))), token);
        var result = await SendAsync(http, request, null, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            throw new FlagCaptureException(Describe(result, 1, $"LaunchDarkly flag '{flag.Key}' was not read"));
        }

        var state = LaunchDarklyFlagState.FromFlag(JsonNode.Parse(result.Body!) as JsonObject ?? throw new FormatException("the answer is not a JSON object"), environment)
            ?? throw new FlagCaptureException($"LaunchDarkly's answer for flag '{flag.Key}' has no environment '{environment}'.");
        return state.Snapshot(Provider);
    }

    private async Task<RolloutWriteResult> PatchAsync(FlagBinding flag, string what, bool turnOn, JsonObject fallthrough, string reason, CancellationToken cancellationToken)
    {
        var token = Settings.ApiToken ?? throw new FlagCaptureException($"{Settings.KeyOf("ApiToken")} is not configured.");
        var body = new JsonObject
        {
            ["environmentKey"] = EnvironmentOf(flag),
            ["comment"] = $"Release Guardian: {reason}",
            ["instructions"] = new JsonArray(new JsonObject { ["kind"] = turnOn ? "turnFlagOn" : "turnFlagOff" }, fallthrough),
        };
        var attempts = new WriteAttempts();
        using var request = Authorized(new HttpRequestMessage(HttpMethod.Patch, FlagUri(flag.Project ?? "default", flag.Key))
        {
            Content = JsonContent(System.Text.Encoding.UTF8.GetBytes(body.ToJsonString()), SemanticPatch),
        }, token);
        var result = await SendAsync(http, request, attempts, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            return new RolloutWriteResult(false, Describe(result, attempts.Count, $"{what} was not written"), null);
        }

        return await FlagRollouts.ReadBackAsync(what, () => ReadAsync(flag, cancellationToken)).ConfigureAwait(false);
    }

    private static JsonObject WeightsById(LaunchDarklyFlagState state, IEnumerable<KeyValuePair<int, int>> weights)
    {
        var byId = new JsonObject();
        foreach (var (index, weight) in weights.OrderBy(w => w.Key))
        {
            byId[state.Variations[index].Id] = weight;
        }

        return byId;
    }

    // The rollout keeps the pre-release rollout's bucketing, so a user stays in the same bucket from stage to stage.
    private static void AddBucketing(JsonObject instruction, JsonNode? fallthrough)
    {
        if (fallthrough?["rollout"]?["contextKind"] is JsonValue kind)
        {
            instruction["rolloutContextKind"] = kind.GetValue<string>();
        }

        if (fallthrough?["rollout"]?["bucketBy"] is JsonValue bucketBy)
        {
            instruction["rolloutBucketBy"] = bucketBy.GetValue<string>();
        }
    }

    private static string EnvironmentOf(FlagBinding flag) => string.IsNullOrWhiteSpace(flag.Environment) ? "production" : flag.Environment;
}

/// <summary>One environment's targeting of a LaunchDarkly flag, as much of it as a release touches, plus the variations.</summary>
internal sealed record LaunchDarklyFlagState(string Environment, bool On, int? OffVariation, int? OnVariation, JsonNode? Fallthrough, IReadOnlyList<LaunchDarklyVariation> Variations)
{
    /// <summary>The state of <paramref name="environment"/> in a GET flag answer, or null when it is not there.</summary>
    public static LaunchDarklyFlagState? FromFlag(JsonObject flag, string environment)
    {
        if (flag["environments"]?[environment] is not JsonObject env)
        {
            return null;
        }

        var variations = (flag["variations"] as JsonArray ?? [])
            .Select(v => new LaunchDarklyVariation(
                v?["_id"]?.GetValue<string>() ?? throw new FormatException("a variation has no _id"),
                v["value"]?.DeepClone(),
                v["name"]?.GetValue<string>()))
            .ToList();
        return new LaunchDarklyFlagState(
            environment,
            env["on"]?.GetValue<bool>() ?? false,
            env["offVariation"]?.GetValue<int>(),
            flag["defaults"]?["onVariation"]?.GetValue<int>(),
            env["fallthrough"]?.DeepClone(),
            variations);
    }

    /// <summary>The state as stored in <see cref="FlagRolloutSnapshot.State"/>.</summary>
    public static LaunchDarklyFlagState Parse(string state)
    {
        var o = JsonNode.Parse(state) as JsonObject ?? throw new FormatException("the captured state is not a JSON object");
        return new LaunchDarklyFlagState(
            o["environment"]!.GetValue<string>(),
            o["on"]!.GetValue<bool>(),
            o["offVariation"]?.GetValue<int>(),
            o["onVariation"]?.GetValue<int>(),
            o["fallthrough"]?.DeepClone(),
            o["variations"]!.AsArray().Select(v => new LaunchDarklyVariation(v!["_id"]!.GetValue<string>(), v["value"]?.DeepClone(), v["name"]?.GetValue<string>())).ToList());
    }

    public FlagRolloutSnapshot Snapshot(string provider)
    {
        var state = new JsonObject
        {
            ["environment"] = Environment,
            ["on"] = On,
            ["offVariation"] = OffVariation,
            ["onVariation"] = OnVariation,
            ["fallthrough"] = Fallthrough?.DeepClone(),
            ["variations"] = new JsonArray(Variations.Select(v => (JsonNode)new JsonObject { ["_id"] = v.Id, ["value"] = v.Value?.DeepClone(), ["name"] = v.Name }).ToArray()),
        };

        // What a release writes: on/off and the fallthrough. Versions and lastModified are not in it.
        var fingerprint = FlagRollouts.Fingerprint(new JsonObject { ["on"] = On, ["fallthrough"] = Fallthrough?.DeepClone() });
        var served = Served();
        int? percent = VariationOf(null) is { } on ? (int)Math.Round(served.GetValueOrDefault(on) / 1000.0, MidpointRounding.ToZero) : null;
        var summary = (On ? "on" : "off") + ", " + (On ? "fallthrough " : "serving ") + string.Join(" / ", served
            .Where(s => s.Value > 0)
            .OrderByDescending(s => s.Value).ThenBy(s => s.Key)
            .Select(s => $"{(s.Value / 1000.0).ToString("0.###", CultureInfo.InvariantCulture)}% '{NameOf(s.Key)}'"));
        return new FlagRolloutSnapshot(provider, state.ToJsonString(), percent, fingerprint, Variations.Count >= 2, summary);
    }

    /// <summary>Who gets which variation now (index → weight of 100000): the off variation when off, else the fallthrough.</summary>
    public IReadOnlyDictionary<int, int> Served()
    {
        if (!On)
        {
            return OffVariation is { } off ? new Dictionary<int, int> { [off] = LaunchDarklyWeights.Total } : new Dictionary<int, int>();
        }

        if (Fallthrough?["variation"] is JsonValue variation)
        {
            return new Dictionary<int, int> { [variation.GetValue<int>()] = LaunchDarklyWeights.Total };
        }

        var served = new Dictionary<int, int>();
        foreach (var weighted in Fallthrough?["rollout"]?["variations"] as JsonArray ?? [])
        {
            var index = weighted!["variation"]!.GetValue<int>();
            served[index] = served.GetValueOrDefault(index) + (weighted["weight"]?.GetValue<int>() ?? 0);
        }

        return served;
    }

    /// <summary>
    /// The index of <paramref name="variant"/> (a variation id, name or value); null means the flag's "on" value: the
    /// <c>true</c> variation of a boolean flag, else the flag's default on variation.
    /// </summary>
    public int? VariationOf(string? variant)
    {
        if (variant is null)
        {
            var isTrue = Variations.ToList().FindIndex(v => v.Value is JsonValue value && value.GetValueKind() == JsonValueKind.True);
            return isTrue >= 0 ? isTrue : OnVariation is { } on && on >= 0 && on < Variations.Count ? on : null;
        }

        var index = Variations.ToList().FindIndex(v => v.Id == variant);
        if (index < 0)
        {
            index = Variations.ToList().FindIndex(v => v.Name == variant);
        }

        if (index < 0)
        {
            index = Variations.ToList().FindIndex(v => v.Value is JsonValue value &&
                (value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() == variant : value.ToJsonString() == variant));
        }

        return index < 0 ? null : index;
    }

    /// <summary>What serves the rest when the pre-release state served only the target: the off variation, else any other.</summary>
    public int? FallbackFor(int target)
    {
        if (OffVariation is { } off && off != target && off < Variations.Count)
        {
            return off;
        }

        var other = Enumerable.Range(0, Variations.Count).FirstOrDefault(i => i != target, -1);
        return other < 0 ? null : other;
    }

    private string NameOf(int index) =>
        index < 0 || index >= Variations.Count ? $"#{index}"
        : Variations[index].Name is { Length: > 0 } name ? name
        : Variations[index].Value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>()
        : Variations[index].Value?.ToJsonString() ?? "null";
}

/// <summary>One variation of a LaunchDarkly flag.</summary>
internal sealed record LaunchDarklyVariation(string Id, JsonNode? Value, string? Name);

/// <summary>LaunchDarkly rollout weights: thousandths of a percent, 100000 in all.</summary>
internal static class LaunchDarklyWeights
{
    public const int Total = 100_000;

    /// <summary>Weights (see <see cref="RolloutShares.Split{TKey}"/>) giving <paramref name="target"/> exactly <paramref name="percent"/> × 1000.</summary>
    public static SortedDictionary<int, int> Split(IReadOnlyDictionary<int, int> served, int target, int percent, int fallback) =>
        new(RolloutShares.Split(served.ToDictionary(s => s.Key, s => (long)s.Value), target, percent * 1000, Total, fallback, Comparer<int>.Default));
}
