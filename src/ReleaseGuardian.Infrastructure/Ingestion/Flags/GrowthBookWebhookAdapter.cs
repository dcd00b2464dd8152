using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Infrastructure.Ingestion.Flags;

/// <summary>
/// GrowthBook event webhooks, signed with <c>X-GrowthBook-Signature</c> (hex HMAC-SHA256 of the body).
/// Only <c>feature.updated</c> is a flag change: every environment listed in
/// <c>data.previous_attributes.environments</c> becomes one change, its current state read from
/// <c>data.object.environments.{env}</c>.
/// </summary>
/// <remarks>
/// <para><c>previous_attributes</c> lists only what changed, so a previous field it leaves out equals the current
/// one. The variant is the environment's <c>defaultValue</c>, else the feature's. Updates that touch no
/// environment (a description, tags) are ignored, as are all other events.</para>
/// <para>Flag key: <c>data.object.id</c>; project: <c>data.object.project</c>; actor: <c>user.name &lt;user.email&gt;</c>
/// (or the API key id for API changes); time: <c>data.object.dateUpdated</c>, else <c>created</c> (epoch ms), else now.
/// Change id: the event's <c>id</c> (or the body hash where absent), suffixed <c>:{env}</c> when several
/// environments changed.</para>
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
        var eventName = PayloadFields.RequireString(root, "event", "");
        if (eventName != "feature.updated")
        {
            return new FlagWebhookOutcome.Ignored($"GrowthBook '{eventName}' events are not flag state changes");
        }

        var data = PayloadFields.RequireObject(root, "data", "");
        var feature = PayloadFields.RequireObject(data, "object", "data");
        var key = PayloadFields.RequireString(feature, "id", "data.object");
        var environments = PayloadFields.RequireObject(feature, "environments", "data.object");
        var previousAttributes = PayloadFields.OptionalObject(data, "previous_attributes", "data");
        if (previousAttributes is not { } previousFeature ||
            PayloadFields.OptionalObject(previousFeature, "environments", "data.previous_attributes") is not { } previousEnvironments)
        {
            return new FlagWebhookOutcome.Ignored("the GrowthBook update changed no environment's state");
        }

        var id = PayloadFields.OptionalString(root, "id", "") ?? delivery.BodyHash;
        var changedAt = PayloadFields.OptionalTimestamp(feature, "dateUpdated", "data.object")
            ?? (PayloadFields.OptionalInt64(root, "created", "") is { } createdMs ? PayloadFields.FromUnixMilliseconds(createdMs, "created") : (DateTimeOffset?)null);
        var timeFromPayload = changedAt is not null;
        var project = PayloadFields.OptionalString(feature, "project", "data.object");
        var actor = Actor(root);
        var featureDefault = PayloadFields.TryGet(feature, "defaultValue", out var fd) ? PayloadFields.ScalarText(fd) : null;
        var previousFeatureDefault = PayloadFields.TryGet(previousFeature, "defaultValue", out var pfd) ? PayloadFields.ScalarText(pfd) : featureDefault;

        var changed = new List<(string Environment, FlagState Previous, FlagState Current)>();
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
            changed.Add((entry.Name, new FlagState(previousEnabled, previousVariant), new FlagState(enabled, variant)));
        }

        if (changed.Count == 0)
        {
            return new FlagWebhookOutcome.Ignored("the GrowthBook update changed no environment's state");
        }

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
