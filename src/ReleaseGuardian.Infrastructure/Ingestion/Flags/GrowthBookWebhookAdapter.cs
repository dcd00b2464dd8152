using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Infrastructure.Ingestion.Flags;

/// <summary>
/// GrowthBook event webhooks, signed with <c>X-GrowthBook-Signature</c> (hex HMAC-SHA256 of the body).
/// Only <c>feature.updated</c> is a flag change. Both body shapes GrowthBook posts are read:
/// <list type="bullet">
/// <item>payload type <c>json</c>: <c>data.object</c> is the feature now and <c>data.previous_attributes</c> lists
/// the attributes that changed, <c>environments</c> whole; every environment listed there whose <c>enabled</c> or
/// default value differs from now becomes one change.</item>
/// <item>payload type <c>raw</c> (the default of webhooks stored without a payload type, GrowthBook's "legacy"
/// shape): <c>{object, event, data: {current, previous}, user, projects, tags, environments, containsSecrets}</c>
/// with the whole feature before and after; every environment whose <c>enabled</c> or default value differs
/// becomes one change.</item>
/// </list>
/// Slack and Discord payload types (<c>{text, blocks}</c>, <c>{content}</c>) and SDK webhooks carry no event and
/// are refused with a 400 naming <c>event</c> and saying which payload type to choose.
/// </summary>
/// <remarks>
/// <para>In the json shape a previous field left out of <c>previous_attributes</c> equals the current one. The
/// variant is the environment's <c>defaultValue</c>, else the feature's. Updates that touch no environment (a
/// description, tags) are ignored, as are all other events (<c>feature.created</c>, <c>webhook.test</c>, ...).</para>
/// <para>Flag key: the feature's <c>id</c>; project: its <c>project</c>; actor: <c>user.name &lt;user.email&gt;</c>
/// (or the API key id for API changes); time: the feature's <c>dateUpdated</c>, else <c>created</c> (epoch ms), else
/// now. Change id: the event's <c>id</c> (or the body hash where absent, as in every raw payload), suffixed
/// <c>:{env}</c> when several environments changed.</para>
/// <para>ProviderRefs: <c>featureId</c> (for <c>POST /api/v2/features/{id}/toggle</c>).</para>
/// </remarks>
public sealed class GrowthBookWebhookAdapter : FlagWebhookAdapter
{
    /// <summary>The provider name in the route.</summary>
    public const string Name = "growthbook";

    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-GrowthBook-Signature";

    /// <inheritdoc />
    public override string Provider => Name;

    /// <inheritdoc />
    public override string CredentialField => SignatureHeader;

    private protected override IngestProblem? Verify(WebhookRequest request, string secret, DateTimeOffset now) =>
        VerifyHexSignature(request, secret);

    private protected override FlagWebhookOutcome Interpret(FlagDelivery delivery)
    {
        var root = delivery.RootObject();
        if (!PayloadFields.TryGet(root, "event", out _))
        {
            throw new MalformedPayloadException("event", NotAnEventPayload(root));
        }

        var eventName = PayloadFields.RequireString(root, "event", "");
        if (eventName != "feature.updated")
        {
            return new FlagWebhookOutcome.Ignored($"GrowthBook '{eventName}' events are not flag state changes");
        }

        var data = PayloadFields.RequireObject(root, "data", "");
        List<(string Environment, FlagState? Previous, FlagState Current)> changed;
        JsonElement feature;
        string featurePath;
        if (PayloadFields.TryGet(data, "object", out _))
        {
            featurePath = "data.object";
            feature = PayloadFields.RequireObject(data, "object", "data");
            changed = JsonShapeChanges(data, feature);
        }
        else if (PayloadFields.TryGet(data, "current", out _))
        {
            featurePath = "data.current";
            feature = PayloadFields.RequireObject(data, "current", "data");
            changed = RawShapeChanges(data, feature);
        }
        else
        {
            throw new MalformedPayloadException(
                "data.object",
                "is required: payload type json sends data.object (with data.previous_attributes), payload type raw sends data.current and data.previous");
        }

        var key = PayloadFields.RequireString(feature, "id", featurePath);
        if (changed.Count == 0)
        {
            return new FlagWebhookOutcome.Ignored("the GrowthBook update changed no environment's state");
        }

        var id = PayloadFields.OptionalString(root, "id", "") ?? delivery.BodyHash;
        var changedAt = PayloadFields.OptionalTimestamp(feature, "dateUpdated", featurePath)
            ?? (PayloadFields.OptionalInt64(root, "created", "") is { } createdMs ? PayloadFields.FromUnixMilliseconds(createdMs, "created") : (DateTimeOffset?)null);
        var timeFromPayload = changedAt is not null;
        var project = PayloadFields.OptionalString(feature, "project", featurePath);
        var actor = Actor(root);

        var changes = new FlagChange[changed.Count];
        for (var i = 0; i < changed.Count; i++)
        {
            var (environment, previous, current) = changed[i];
            changes[i] = new FlagChange(
                Name, key, string.IsNullOrEmpty(project) ? null : project, environment, previous, current, actor, changedAt ?? delivery.Now,
                changed.Count == 1 ? id : $"{id}:{environment}", delivery.RawPayload)
            {
                ProviderRefs = new Dictionary<string, string>(1) { ["featureId"] = key },
            };
        }

        return new FlagWebhookOutcome.Accepted(changes, id, timeFromPayload);
    }

    /// <summary>Payload type json: the environments named in <c>previous_attributes</c>, before and after.</summary>
    private static List<(string Environment, FlagState? Previous, FlagState Current)> JsonShapeChanges(JsonElement data, JsonElement feature)
    {
        var changed = new List<(string, FlagState?, FlagState)>();
        var environments = PayloadFields.RequireObject(feature, "environments", "data.object");
        var previousAttributes = PayloadFields.OptionalObject(data, "previous_attributes", "data");
        if (previousAttributes is not { } previousFeature ||
            PayloadFields.OptionalObject(previousFeature, "environments", "data.previous_attributes") is not { } previousEnvironments)
        {
            return changed;
        }

        var featureDefault = PayloadFields.TryGet(feature, "defaultValue", out var fd) ? PayloadFields.ScalarText(fd) : null;
        var previousFeatureDefault = PayloadFields.TryGet(previousFeature, "defaultValue", out var pfd) ? PayloadFields.ScalarText(pfd) : featureDefault;
        foreach (var entry in previousEnvironments.EnumerateObject())
        {
            var previousPath = PayloadFields.Path("data.previous_attributes.environments", entry.Name);
            if (entry.Value.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedPayloadException(previousPath, $"must be an object, not {PayloadFields.Describe(entry.Value.ValueKind)}");
            }

            var currentPath = "data.object.environments";
            var settings = PayloadFields.RequireObject(environments, entry.Name, currentPath);
            var settingsPath = PayloadFields.Path(currentPath, entry.Name);
            var enabled = PayloadFields.OptionalBool(settings, "enabled", settingsPath);
            var ownDefault = PayloadFields.TryGet(settings, "defaultValue", out var dv);
            var variant = ownDefault ? PayloadFields.ScalarText(dv) : featureDefault;
            var previousEnabled = PayloadFields.OptionalBool(entry.Value, "enabled", previousPath) ?? enabled;

            // An environment default left out of previous_attributes did not change; without one of its own the
            // environment served the feature's default as it was before.
            var previousVariant = PayloadFields.TryGet(entry.Value, "defaultValue", out var pdv) ? PayloadFields.ScalarText(pdv)
                : ownDefault ? variant
                : previousFeatureDefault;
            // previous_attributes holds the whole 'environments' attribute when any environment in it changed, so
            // an environment listed there may be untouched.
            var before = new FlagState(previousEnabled, previousVariant);
            var now = new FlagState(enabled, variant);
            if (before != now)
            {
                changed.Add((entry.Name, before, now));
            }
        }

        return changed;
    }

    /// <summary>Payload type raw: the whole feature before and after; environments whose state differs.</summary>
    private static List<(string Environment, FlagState? Previous, FlagState Current)> RawShapeChanges(JsonElement data, JsonElement current)
    {
        var changed = new List<(string, FlagState?, FlagState)>();
        var previous = PayloadFields.TryGet(data, "previous", out _) ? PayloadFields.RequireObject(data, "previous", "data") : (JsonElement?)null;
        var environments = PayloadFields.RequireObject(current, "environments", "data.current");
        var previousEnvironments = previous is { } p ? PayloadFields.OptionalObject(p, "environments", "data.previous") : null;
        var featureDefault = PayloadFields.TryGet(current, "defaultValue", out var fd) ? PayloadFields.ScalarText(fd) : null;
        var previousFeatureDefault = previous is { } pf && PayloadFields.TryGet(pf, "defaultValue", out var pfd) ? PayloadFields.ScalarText(pfd) : featureDefault;
        foreach (var entry in environments.EnumerateObject())
        {
            var path = PayloadFields.Path("data.current.environments", entry.Name);
            var now = StateOf(entry.Value, path, featureDefault);
            FlagState? before = null;
            if (previousEnvironments is { } pe && PayloadFields.TryGet(pe, entry.Name, out var old))
            {
                before = StateOf(old, PayloadFields.Path("data.previous.environments", entry.Name), previousFeatureDefault);
            }

            if (before != now)
            {
                changed.Add((entry.Name, before, now));
            }
        }

        return changed;
    }

    private static FlagState StateOf(JsonElement settings, string path, string? featureDefault)
    {
        if (settings.ValueKind != JsonValueKind.Object)
        {
            throw new MalformedPayloadException(path, $"must be an object, not {PayloadFields.Describe(settings.ValueKind)}");
        }

        var enabled = PayloadFields.OptionalBool(settings, "enabled", path);
        var variant = PayloadFields.TryGet(settings, "defaultValue", out var dv) ? PayloadFields.ScalarText(dv) : featureDefault;
        return new FlagState(enabled, variant);
    }

    /// <summary>Why a body without <c>event</c> is not a GrowthBook event webhook, naming what it looks like.</summary>
    private static string NotAnEventPayload(JsonElement root)
    {
        const string Fix = "; set the GrowthBook webhook's payload type to JSON (or leave it raw)";
        if (PayloadFields.TryGet(root, "blocks", out _) || (PayloadFields.TryGet(root, "text", out _) && !PayloadFields.TryGet(root, "data", out _)))
        {
            return "is required; this body looks like GrowthBook's Slack payload type ({text, blocks}), which carries no flag state" + Fix;
        }

        if (PayloadFields.TryGet(root, "content", out _))
        {
            return "is required; this body looks like GrowthBook's Discord payload type ({content}), which carries no flag state" + Fix;
        }

        if (PayloadFields.TryGet(root, "features", out _))
        {
            return "is required; this body looks like a GrowthBook SDK webhook (the SDK payload), which says what is served, not what changed; add an event webhook (Settings > Webhooks) for feature.updated instead";
        }

        return "is required (a GrowthBook event webhook names its event, e.g. feature.updated)";
    }

    private static string? Actor(JsonElement root)
    {
        if (PayloadFields.OptionalObject(root, "user", "") is not { } user)
        {
            return null;
        }

        var name = PayloadFields.OptionalString(user, "name", "user");
        var email = PayloadFields.OptionalString(user, "email", "user");
        if (!string.IsNullOrWhiteSpace(name))
        {
            return string.IsNullOrWhiteSpace(email) ? name : $"{name} <{email}>";
        }

        return !string.IsNullOrWhiteSpace(email) ? email
            : PayloadFields.OptionalString(user, "apiKey", "user") is { Length: > 0 } apiKey ? $"api key {apiKey}"
            : PayloadFields.OptionalIdentifier(user, "id", "user");
    }
}
