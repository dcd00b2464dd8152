using System.Globalization;
using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Rollout percentages on Azure App Configuration: the <c>Microsoft.Targeting</c> filter's
/// <c>Audience.DefaultRolloutPercentage</c> in the feature flag's value (the feature management schema,
/// https://learn.microsoft.com/azure/azure-app-configuration/howto-targetingfilter). Setting a rollout enables the
/// flag and adds the filter when it is missing (empty Users/Groups), or changes only its percentage; a restore
/// writes the captured key-value (value, content type, tags) back exactly. Every write carries <c>If-Match</c> with
/// the etag read just before it. The label comes from the binding's Settings <c>label</c>.
/// </summary>
public sealed partial class AzureAppConfigRollbackClient : IFlagRolloutClient
{
    /// <summary>The built-in targeting filter's name; the .NET library also accepts the short alias.</summary>
    internal const string TargetingFilter = "Microsoft.Targeting";

    /// <inheritdoc />
    public bool SupportsPercentages => true;

    /// <inheritdoc />
    public Task<FlagRolloutSnapshot> CaptureAsync(FlagBinding flag, CancellationToken cancellationToken) =>
        CaptureGuardedAsync(flag, ct => CaptureCoreAsync(flag, ct), cancellationToken);

    /// <inheritdoc />
    public Task<RolloutWriteResult> SetRolloutAsync(
        FlagBinding flag, FlagRolloutSnapshot preRelease, int percent, string? variant, string reason, CancellationToken cancellationToken) =>
        WriteGuardedAsync(flag, $"set {percent}%", async ct =>
        {
            if (PercentProblem(percent) is { } problem)
            {
                return new RolloutWriteResult(false, problem, null);
            }

            if (variant is not null)
            {
                return new RolloutWriteResult(false,
                    $"Azure App Configuration rollouts serve the flag's enabled state through {TargetingFilter}; variant '{variant}' cannot be rolled out (leave the plan's variant empty).", null);
            }

            return await WriteAsync(flag, current => WithTargeting(current, percent),
                $"{TargetingFilter} DefaultRolloutPercentage set to {percent}% (flag enabled).", ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<RolloutWriteResult> RestoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, string reason, CancellationToken cancellationToken) =>
        WriteGuardedAsync(flag, "restore", async ct =>
        {
            if (CapturedState(flag, preRelease, out var problem) is not { } captured)
            {
                return new RolloutWriteResult(false, problem, null);
            }

            if (captured["value"] is not JsonValue v || !v.TryGetValue<string>(out var value))
            {
                return new RolloutWriteResult(false, $"The captured state of feature flag '{flag.Key}' has no value; nothing was sent.", null);
            }

            return await WriteAsync(flag, current => Restored(current, captured, value),
                $"The captured value was written back ({preRelease.Summary}).", ct).ConfigureAwait(false);
        }, cancellationToken);

    private async Task<FlagRolloutSnapshot> CaptureCoreAsync(FlagBinding flag, CancellationToken cancellationToken)
    {
        if (EndpointOf() is not { } endpoint)
        {
            return UnknownSnapshot($"{Settings.KeyOf("Endpoint")} is not configured.");
        }

        var auth = await AuthorizerAsync(cancellationToken).ConfigureAwait(false);
        var label = SettingOf(flag, "label");
        var read = await ReadKeyValueAsync(UriOf(endpoint, flag.Key, label), auth, cancellationToken).ConfigureAwait(false);
        if (!read.IsSuccess)
        {
            return UnknownSnapshot(Describe(read, 1, ReadFailure(read, flag.Key, label)));
        }

        return SnapshotOf(read.Body, out var problem) ?? UnknownSnapshot($"Feature flag '{flag.Key}'{LabelWords(label)} cannot be read: {problem}.");
    }

    /// <summary>Reads, edits with <paramref name="edit"/>, writes with If-Match, and reads back.</summary>
    private async Task<RolloutWriteResult> WriteAsync(FlagBinding flag, Func<string?, KeyValueEdit> edit, string done, CancellationToken cancellationToken)
    {
        if (EndpointOf() is not { } endpoint)
        {
            return new RolloutWriteResult(false, $"{Settings.KeyOf("Endpoint")} is not configured; nothing was sent.", null);
        }

        var auth = await AuthorizerAsync(cancellationToken).ConfigureAwait(false);
        var label = SettingOf(flag, "label");
        var write = await ReadEditWriteAsync(UriOf(endpoint, flag.Key, label), auth, flag.Key, edit, cancellationToken).ConfigureAwait(false);
        var what = $"Azure App Configuration feature flag '{flag.Key}'{LabelWords(label)} at {endpoint.Host}";
        return write.Status switch
        {
            KeyValueWriteStatus.Written => await ReadBackAsync(ct => CaptureCoreAsync(flag, ct), $"{what}: {done}", cancellationToken).ConfigureAwait(false),
            KeyValueWriteStatus.Unchanged => SnapshotOf(write.Call!.Body, out _) is { } now
                ? new RolloutWriteResult(true, $"{what} was already as asked; nothing written. Now: {now.Summary}.", now)
                : new RolloutWriteResult(true, $"{what} was already as asked; nothing written.", null),
            KeyValueWriteStatus.ReadFailed => RolloutFailed(write.Call!, write.Attempts, ReadFailure(write.Call!, flag.Key, label)),
            KeyValueWriteStatus.NotEditable => new RolloutWriteResult(false, $"{what} could not be edited: {write.Problem}.", null),
            _ => RolloutFailed(write.Call!, write.Attempts, $"{what} was not written"),
        };
    }

    /// <summary>The flag with the targeting filter at <paramref name="percent"/> and enabled; null body when it already is.</summary>
    internal static KeyValueEdit WithTargeting(string? keyValueJson, int percent)
    {
        if (FlagOf(keyValueJson, out var keyValue, out var problem) is not { } flag)
        {
            return new KeyValueEdit(null, problem);
        }

        var edited = flag.DeepClone().AsObject();
        edited["enabled"] = true;
        if (edited["conditions"] is not JsonObject conditions)
        {
            edited["conditions"] = conditions = [];
        }

        if (conditions["client_filters"] is not JsonArray filters)
        {
            conditions["client_filters"] = filters = [];
        }

        if (TargetingOf(filters) is { } targeting)
        {
            if (targeting["parameters"] is not JsonObject parameters)
            {
                targeting["parameters"] = parameters = [];
            }

            if (parameters["Audience"] is not JsonObject audience)
            {
                parameters["Audience"] = audience = new JsonObject { ["Users"] = new JsonArray(), ["Groups"] = new JsonArray() };
            }

            audience["DefaultRolloutPercentage"] = percent;
        }
        else
        {
            filters.Add(new JsonObject
            {
                ["name"] = TargetingFilter,
                ["parameters"] = new JsonObject
                {
                    ["Audience"] = new JsonObject { ["Users"] = new JsonArray(), ["Groups"] = new JsonArray(), ["DefaultRolloutPercentage"] = percent },
                },
            });
        }

        return JsonNode.DeepEquals(flag, edited) ? new KeyValueEdit(null, null) : new KeyValueEdit(BodyOf(keyValue!, edited.ToJsonString()), null);
    }

    /// <summary>The captured key-value, unless the current one already equals it.</summary>
    private static KeyValueEdit Restored(string? currentJson, JsonObject captured, string capturedValue)
    {
        if (ParseObject(currentJson, "The key-value", out _) is { } current &&
            current["value"]?.GetValue<string>() == capturedValue &&
            JsonNode.DeepEquals(current["tags"] ?? new JsonObject(), captured["tags"] ?? new JsonObject()) &&
            current["content_type"]?.GetValue<string>() == captured["content_type"]?.GetValue<string>())
        {
            return new KeyValueEdit(null, null);
        }

        return new KeyValueEdit(JsonBytes(captured), null);
    }

    /// <summary>What a release may touch, as a snapshot; null with <paramref name="problem"/> when the value is not a flag.</summary>
    internal FlagRolloutSnapshot? SnapshotOf(string? keyValueJson, out string problem)
    {
        if (FlagOf(keyValueJson, out var keyValue, out problem) is not { } flag)
        {
            return null;
        }

        var enabled = flag["enabled"] is JsonValue e && e.TryGetValue<bool>(out var on) && on;
        var filters = flag["conditions"]?["client_filters"] as JsonArray;
        var targeting = filters is null ? null : TargetingOf(filters);
        var targetingPercent = NumberOf(targeting?["parameters"]?["Audience"]?["DefaultRolloutPercentage"]);
        var filterNames = filters?.Select(f => f?["name"]?.GetValue<string>() ?? "?").ToArray() ?? [];

        int? percent;
        string summary;
        if (!enabled)
        {
            (percent, summary) = (0, "disabled");
        }
        else if (filterNames.Length == 0)
        {
            (percent, summary) = (100, "enabled for everyone (no filters)");
        }
        else if (targetingPercent is { } value && filterNames.Length == 1)
        {
            var users = (targeting!["parameters"]?["Audience"]?["Users"] as JsonArray)?.Count ?? 0;
            var groups = (targeting["parameters"]?["Audience"]?["Groups"] as JsonArray)?.Count ?? 0;
            percent = (int)Math.Round(value, MidpointRounding.AwayFromZero);
            summary = $"enabled, {TargetingFilter} DefaultRolloutPercentage {PercentWords(value)}" +
                      (users + groups == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" plus {users} user(s) and {groups} group(s)"));
        }
        else
        {
            // Another filter decides too (requirement_type Any or All): the share served is not one number.
            percent = null;
            summary = $"enabled with filters {string.Join(", ", filterNames)}" + (targetingPercent is { } v ? $" (targeting {PercentWords(v)})" : "");
        }

        var state = new JsonObject
        {
            ["value"] = keyValue!["value"]!.GetValue<string>(),
            ["content_type"] = keyValue["content_type"]?.GetValue<string>() ?? FeatureFlagContentType,
            ["tags"] = keyValue["tags"]?.DeepClone() ?? new JsonObject(),
        };
        var fingerprint = FingerprintOf(new JsonObject
        {
            ["enabled"] = enabled,
            ["conditions"] = flag["conditions"]?.DeepClone(),
            ["variants"] = flag["variants"]?.DeepClone(),
            ["allocation"] = flag["allocation"]?.DeepClone(),
        });
        return new FlagRolloutSnapshot(Provider, state.ToJsonString(), percent, fingerprint, true, summary);
    }

    private static JsonObject? TargetingOf(JsonArray filters) =>
        filters.OfType<JsonObject>().FirstOrDefault(f => f["name"]?.GetValue<string>() is { } name &&
            (string.Equals(name, TargetingFilter, StringComparison.OrdinalIgnoreCase) || string.Equals(name, "Targeting", StringComparison.OrdinalIgnoreCase)));

    private static JsonObject? FlagOf(string? keyValueJson, out JsonObject? keyValue, out string problem)
    {
        keyValue = ParseObject(keyValueJson, "the key-value", out problem);
        if (keyValue is null)
        {
            return null;
        }

        if (keyValue["value"] is not JsonValue value || !value.TryGetValue<string>(out var text))
        {
            problem = "'value' is missing";
            return null;
        }

        return ParseObject(text, "'value'", out problem);
    }

    private static byte[] BodyOf(JsonObject keyValue, string value) => JsonBytes(new JsonObject
    {
        ["value"] = value,
        ["content_type"] = keyValue["content_type"]?.GetValue<string>() ?? FeatureFlagContentType,
        ["tags"] = keyValue["tags"]?.DeepClone() ?? new JsonObject(),
    });
}
