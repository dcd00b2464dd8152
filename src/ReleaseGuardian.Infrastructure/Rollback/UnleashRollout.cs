using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Unleash rollouts: the <c>rollout</c> parameter of a flexibleRollout strategy in the flag's environment, through the
/// Admin API (checked against a real Unleash 8.2: <c>GET /api/admin/projects/{p}/features/{f}</c> for the
/// environment's <c>enabled</c> and strategies; <c>PUT|POST|DELETE …/environments/{e}/strategies[/{id}]</c>,
/// <c>POST …/strategies/set-sort-order</c> and <c>POST …/environments/{e}/on|off</c> to write).
/// </summary>
public sealed partial class UnleashRollbackClient
{
    /// <summary>The title of the flexibleRollout strategy a release adds when the flag has none.</summary>
    public const string ReleaseStrategyTitle = "Release Guardian rollout";

    private static readonly string[] StrategyFields = ["name", "title", "disabled", "constraints", "parameters", "segments", "variants"];

    private protected override async Task<FlagRolloutSnapshot> CaptureCoreAsync(FlagBinding flag, CancellationToken cancellationToken) =>
        Snapshot(await ReadAsync(flag, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Sets <c>rollout</c> of the pre-release state's first flexibleRollout strategy (or of one the release adds) and
    /// enables the environment. When the environment was off before the release its other strategies served nobody,
    /// so they are disabled while the release runs (Unleash ORs strategies); when it was on they keep serving.
    /// </summary>
    private protected override async Task<RolloutWriteResult> SetRolloutCoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, int percent, string? variant, string reason, string what, CancellationToken cancellationToken)
    {
        var before = UnleashEnvironmentState.Parse(preRelease.State);
        var now = await ReadAsync(flag, cancellationToken).ConfigureAwait(false);
        var releaseId = before.Strategies.FirstOrDefault(IsFlexibleRollout)?["id"]?.GetValue<string>();
        var target = now.Strategies.FirstOrDefault(s => releaseId is not null
            ? s["id"]?.GetValue<string>() == releaseId
            : IsFlexibleRollout(s) && s["title"]?.GetValue<string>() == ReleaseStrategyTitle);

        var wanted = target is null
            ? new JsonObject
            {
                ["name"] = "flexibleRollout",
                ["title"] = ReleaseStrategyTitle,
                ["disabled"] = false,
                ["constraints"] = new JsonArray(),
                ["parameters"] = new JsonObject { ["rollout"] = "0", ["stickiness"] = "default", ["groupId"] = flag.Key },
                ["segments"] = new JsonArray(),
                ["variants"] = new JsonArray(),
            }
            : StrategyBody(target);
        wanted["parameters"]!["rollout"] = percent.ToString(CultureInfo.InvariantCulture);
        wanted["disabled"] = false;
        if (variant is not null)
        {
            wanted["variants"] = new JsonArray(new JsonObject
            {
                ["name"] = variant,
                ["weight"] = 1000,
                ["weightType"] = "variable",
                ["stickiness"] = wanted["parameters"]?["stickiness"]?.GetValue<string>() ?? "default",
            });
        }

        // The rolled-out strategy is enabled before the environment is: Unleash adds its default strategy
        // (everyone) when an environment with no enabled strategy is switched on.
        if (target is null)
        {
            await StepAsync(flag, HttpMethod.Post, StrategiesUri(flag), wanted, "adding the flexibleRollout strategy", cancellationToken).ConfigureAwait(false);
        }
        else if (!JsonNode.DeepEquals(StrategyBody(target), wanted))
        {
            await StepAsync(flag, HttpMethod.Put, StrategiesUri(flag, target), wanted, "updating the flexibleRollout strategy", cancellationToken).ConfigureAwait(false);
        }

        if (!before.Enabled)
        {
            foreach (var other in now.Strategies.Where(s => s != target && s["disabled"]?.GetValue<bool>() != true))
            {
                var disabled = StrategyBody(other);
                disabled["disabled"] = true;
                await StepAsync(flag, HttpMethod.Put, StrategiesUri(flag, other), disabled, $"disabling strategy '{other["id"]}' while the release runs", cancellationToken).ConfigureAwait(false);
            }
        }

        if (!now.Enabled)
        {
            await StepAsync(flag, HttpMethod.Post, EnvironmentUri(flag, "/on"), null, "switching the environment on", cancellationToken).ConfigureAwait(false);
        }

        return await FlagRollouts.ReadBackAsync(what, async () => Snapshot(await ReadAsync(flag, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts back every captured strategy (fields, constraints, segments, variants, order), removes strategies the
    /// release added and restores on/off. Off is restored first, so a No-Go stops the exposure before anything else.
    /// </summary>
    private protected override async Task<RolloutWriteResult> RestoreCoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, string reason, string what, CancellationToken cancellationToken)
    {
        var captured = UnleashEnvironmentState.Parse(preRelease.State);
        var now = await ReadAsync(flag, cancellationToken).ConfigureAwait(false);
        if (!captured.Enabled && now.Enabled)
        {
            await StepAsync(flag, HttpMethod.Post, EnvironmentUri(flag, "/off"), null, "switching the environment off", cancellationToken).ConfigureAwait(false);
        }

        var ids = new List<string>();
        foreach (var strategy in captured.Strategies)
        {
            var id = strategy["id"]!.GetValue<string>();
            var current = now.Strategies.FirstOrDefault(s => s["id"]?.GetValue<string>() == id);
            if (current is null)
            {
                // Someone deleted it during the release: it comes back with a new id.
                var added = await StepAsync(flag, HttpMethod.Post, StrategiesUri(flag), StrategyBody(strategy), $"re-adding strategy '{id}'", cancellationToken).ConfigureAwait(false);
                id = JsonNode.Parse(added)?["id"]?.GetValue<string>() ?? throw new RolloutStepFailedException($"{what} failed: Unleash did not name the re-added strategy.");
            }
            else if (!JsonNode.DeepEquals(StrategyBody(current), StrategyBody(strategy)))
            {
                await StepAsync(flag, HttpMethod.Put, StrategiesUri(flag, current), StrategyBody(strategy), $"restoring strategy '{id}'", cancellationToken).ConfigureAwait(false);
            }

            ids.Add(id);
        }

        foreach (var extra in now.Strategies.Where(s => !ids.Contains(s["id"]?.GetValue<string>() ?? "")))
        {
            await StepAsync(flag, HttpMethod.Delete, StrategiesUri(flag, extra), null, $"removing strategy '{extra["id"]}'", cancellationToken).ConfigureAwait(false);
        }

        var order = captured.Strategies.Select((s, i) => (Id: ids[i], SortOrder: s["sortOrder"]?.GetValue<int>() ?? i)).ToList();
        var currentOrder = now.Strategies.ToDictionary(s => s["id"]?.GetValue<string>() ?? "", s => s["sortOrder"]?.GetValue<int>());
        if (order.Any(o => !currentOrder.TryGetValue(o.Id, out var sortOrder) || sortOrder != o.SortOrder))
        {
            var body = new JsonArray(order.Select(o => (JsonNode)new JsonObject { ["id"] = o.Id, ["sortOrder"] = o.SortOrder }).ToArray());
            await StepAsync(flag, HttpMethod.Post, StrategiesUri(flag, null, "/set-sort-order"), body, "restoring the strategies' order", cancellationToken).ConfigureAwait(false);
        }

        if (captured.Enabled && !now.Enabled)
        {
            await StepAsync(flag, HttpMethod.Post, EnvironmentUri(flag, "/on"), null, "switching the environment on", cancellationToken).ConfigureAwait(false);
        }

        return await FlagRollouts.ReadBackAsync(what, async () => Snapshot(await ReadAsync(flag, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
    }

    private async Task<UnleashEnvironmentState> ReadAsync(FlagBinding flag, CancellationToken cancellationToken)
    {
        var (token, _) = Credentials();
        var environment = EnvironmentOf(flag);
        using var request = Authorized(new HttpRequestMessage(HttpMethod.Get, FeatureUri(ProjectOf(flag), flag.Key)), token);
        var result = await SendAsync(http, request, null, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            throw new FlagCaptureException(Describe(result, 1, $"Unleash feature '{flag.Key}' was not read"));
        }

        var env = (JsonNode.Parse(result.Body!)?["environments"] as JsonArray ?? [])
            .FirstOrDefault(e => e?["name"]?.GetValue<string>() == environment) as JsonObject
            ?? throw new FlagCaptureException($"Unleash feature '{flag.Key}' has no environment '{environment}'.");
        var strategies = (env["strategies"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .OrderBy(s => s["sortOrder"]?.GetValue<int>() ?? 0).ThenBy(s => s["id"]?.GetValue<string>(), StringComparer.Ordinal)
            .Select(s =>
            {
                var kept = StrategyBody(s);
                kept["id"] = s["id"]?.GetValue<string>() ?? throw new FormatException("a strategy has no id");
                kept["sortOrder"] = s["sortOrder"]?.GetValue<int>() ?? 0;
                return kept;
            })
            .ToList();
        return new UnleashEnvironmentState(environment, env["enabled"]?.GetValue<bool>() ?? false, strategies);
    }

    private FlagRolloutSnapshot Snapshot(UnleashEnvironmentState state)
    {
        // What a release writes: on/off and the strategies in order, without ids (a re-added strategy gets a new one).
        var fingerprint = FlagRollouts.Fingerprint(new JsonObject
        {
            ["enabled"] = state.Enabled,
            ["strategies"] = new JsonArray(state.Strategies.Select(s => (JsonNode)StrategyBody(s)).ToArray()),
        });
        var active = state.Strategies.Where(s => s["disabled"]?.GetValue<bool>() != true).ToList();
        var rollout = active.FirstOrDefault(IsFlexibleRollout);
        int? percent = !state.Enabled ? 0
            : rollout?["parameters"]?["rollout"]?.GetValue<string>() is { } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p
            : active.Any(s => s["name"]?.GetValue<string>() == "default") ? 100
            : null;
        var summary = new StringBuilder(state.Enabled ? "on" : "off").Append(" in ").Append(state.Environment);
        summary.Append(rollout is null ? ", no flexibleRollout strategy" : $", flexibleRollout {rollout["parameters"]?["rollout"]}%");
        var others = state.Strategies.Count - (rollout is null ? 0 : 1);
        if (others > 0)
        {
            summary.Append(CultureInfo.InvariantCulture, $", {others} other {(others == 1 ? "strategy" : "strategies")}");
        }

        return new FlagRolloutSnapshot(Provider, state.ToJson(), percent, fingerprint, true, summary.ToString());
    }

    /// <summary>One Admin API write; a refusal stops the whole write with the step named. Returns the answer's body.</summary>
    private async Task<string> StepAsync(FlagBinding flag, HttpMethod method, Uri uri, JsonNode? body, string step, CancellationToken cancellationToken)
    {
        var (token, _) = Credentials();
        var attempts = new WriteAttempts();
        using var request = Authorized(new HttpRequestMessage(method, uri), token);
        if (body is not null)
        {
            request.Content = JsonContent(Encoding.UTF8.GetBytes(body.ToJsonString()));
        }

        var result = await SendAsync(http, request, attempts, cancellationToken).ConfigureAwait(false);
        return result.IsSuccess
            ? result.Body ?? ""
            : throw new RolloutStepFailedException(Describe(result, attempts.Count, $"Unleash feature '{flag.Key}' was not changed ({step})"));
    }

    private (string Token, string BaseUrl) Credentials() =>
        (Settings.ApiToken ?? throw new FlagCaptureException($"{Settings.KeyOf("ApiToken")} is not configured."),
         Settings.BaseUrl(null) ?? throw new FlagCaptureException($"{Settings.KeyOf("BaseUrl")} is not configured; Unleash is self-hosted or per-instance, so there is no default."));

    private Uri EnvironmentUri(FlagBinding flag, string rest) =>
        FeatureUri(ProjectOf(flag), flag.Key, $"/environments/{Segment(EnvironmentOf(flag))}{rest}");

    private Uri StrategiesUri(FlagBinding flag, JsonNode? strategy = null, string rest = "") =>
        EnvironmentUri(flag, "/strategies" + (strategy is null ? "" : "/" + Segment(strategy["id"]!.GetValue<string>())) + rest);

    /// <summary>The fields of a strategy Unleash takes in a PUT or POST (no id, sort order or milestone).</summary>
    private static JsonObject StrategyBody(JsonNode strategy)
    {
        var body = new JsonObject();
        foreach (var field in StrategyFields)
        {
            body[field] = strategy[field]?.DeepClone() ?? field switch
            {
                "disabled" => false,
                "constraints" or "segments" or "variants" => new JsonArray(),
                "parameters" => new JsonObject(),
                _ => null,
            };
        }

        return body;
    }

    private static bool IsFlexibleRollout(JsonNode? strategy) => strategy?["name"]?.GetValue<string>() == "flexibleRollout";

    private static string ProjectOf(FlagBinding flag) => string.IsNullOrWhiteSpace(flag.Project) ? "default" : flag.Project;

    private static string EnvironmentOf(FlagBinding flag) => string.IsNullOrWhiteSpace(flag.Environment) ? "production" : flag.Environment;
}

/// <summary>One environment of an Unleash feature: on/off and its strategies (each with its id and sort order).</summary>
internal sealed record UnleashEnvironmentState(string Environment, bool Enabled, IReadOnlyList<JsonObject> Strategies)
{
    public static UnleashEnvironmentState Parse(string state)
    {
        var o = JsonNode.Parse(state) as JsonObject ?? throw new FormatException("the captured state is not a JSON object");
        return new UnleashEnvironmentState(
            o["environment"]!.GetValue<string>(),
            o["enabled"]!.GetValue<bool>(),
            o["strategies"]!.AsArray().OfType<JsonObject>().Select(s => s.DeepClone().AsObject()).ToList());
    }

    public string ToJson() => new JsonObject
    {
        ["environment"] = Environment,
        ["enabled"] = Enabled,
        ["strategies"] = new JsonArray(Strategies.Select(s => (JsonNode)s.DeepClone()).ToArray()),
    }.ToJsonString();
}
