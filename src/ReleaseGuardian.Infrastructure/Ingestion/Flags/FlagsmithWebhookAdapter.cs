using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Infrastructure.Ingestion.Flags;

/// <summary>
/// Flagsmith environment webhooks, signed with <c>X-Flagsmith-Signature</c> (hex HMAC-SHA256 of the body).
/// <c>FLAG_UPDATED</c> carries <c>data.new_state</c> and <c>data.previous_state</c>; <c>FLAG_DELETED</c> carries
/// the previous state only and is read as "now off". Other event types and identity overrides are ignored.
/// </summary>
/// <remarks>
/// <para>Flag key: <c>new_state.feature.name</c>; project: <c>feature.project.name</c>; environment:
/// <c>environment.name</c>; variant: <c>feature_state_value</c>; actor: <c>data.changed_by</c>; time:
/// <c>data.timestamp</c>. Flagsmith sends no change id, so the change id is the SHA-256 of the body.</para>
/// <para>ProviderRefs: <c>environmentId</c>, <c>featureId</c>, <c>projectId</c>, and where present
/// <c>featureStateId</c> (<c>new_state.id</c>), <c>environmentApiKey</c> (<c>environment.api_key</c>) and
/// <c>featureSegmentId</c> (a segment override's <c>feature_segment.id</c>).</para>
/// </remarks>
public sealed class FlagsmithWebhookAdapter : FlagWebhookAdapter
{
    /// <summary>The provider name in the route.</summary>
    public const string Name = "flagsmith";

    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Flagsmith-Signature";

    /// <inheritdoc />
    public override string Provider => Name;

    /// <inheritdoc />
    public override string CredentialField => SignatureHeader;

    private protected override IngestProblem? Verify(WebhookRequest request, string secret, DateTimeOffset now) =>
        VerifyHexSignature(request, secret);

    private protected override FlagWebhookOutcome Interpret(FlagDelivery delivery)
    {
        var root = delivery.RootObject();
        var eventType = PayloadFields.RequireString(root, "event_type", "");
        var deleted = eventType == "FLAG_DELETED";
        if (eventType != "FLAG_UPDATED" && !deleted)
        {
            return new FlagWebhookOutcome.Ignored($"Flagsmith events of type '{eventType}' are not flag changes");
        }

        var data = PayloadFields.RequireObject(root, "data", "");
        var previousState = PayloadFields.OptionalObject(data, "previous_state", "data");
        JsonElement subject;
        string subjectPath;
        if (deleted)
        {
            subject = previousState ?? throw PayloadFields.Missing("data.previous_state");
            subjectPath = "data.previous_state";
        }
        else
        {
            subject = PayloadFields.RequireObject(data, "new_state", "data");
            subjectPath = "data.new_state";
        }

        if (PayloadFields.TryGet(subject, "identity", out _) || PayloadFields.TryGet(subject, "identity_identifier", out _))
        {
            return new FlagWebhookOutcome.Ignored("Flagsmith identity overrides affect one identity, not the environment's flag state");
        }

        var feature = PayloadFields.RequireObject(subject, "feature", subjectPath);
        var featurePath = subjectPath + ".feature";
        var key = PayloadFields.RequireString(feature, "name", featurePath);
        var environment = PayloadFields.RequireObject(subject, "environment", subjectPath);
        var environmentPath = subjectPath + ".environment";
        var project = PayloadFields.OptionalObject(feature, "project", featurePath);
        var changedAt = PayloadFields.OptionalTimestamp(data, "timestamp", "data") ?? throw PayloadFields.Missing("data.timestamp");

        var current = deleted ? new FlagState(false) : State(subject, subjectPath);
        var previous = deleted ? State(subject, subjectPath) : previousState is { } p ? State(p, "data.previous_state") : null;

        var refs = new Dictionary<string, string>(6);
        PayloadFields.AddRef(refs, "environmentId", PayloadFields.OptionalIdentifier(environment, "id", environmentPath));
        PayloadFields.AddRef(refs, "environmentApiKey", PayloadFields.OptionalString(environment, "api_key", environmentPath));
        PayloadFields.AddRef(refs, "featureId", PayloadFields.OptionalIdentifier(feature, "id", featurePath));
        PayloadFields.AddRef(refs, "featureStateId", PayloadFields.OptionalIdentifier(subject, "id", subjectPath));
        if (project is { } proj)
        {
            PayloadFields.AddRef(refs, "projectId", PayloadFields.OptionalIdentifier(proj, "id", featurePath + ".project"));
        }

        if (PayloadFields.OptionalObject(subject, "feature_segment", subjectPath) is { } segment)
        {
            PayloadFields.AddRef(refs, "featureSegmentId", PayloadFields.OptionalIdentifier(segment, "id", subjectPath + ".feature_segment"));
        }

        var change = new FlagChange(
            Name,
            key,
            project is { } pr ? PayloadFields.OptionalString(pr, "name", featurePath + ".project") : null,
            PayloadFields.OptionalString(environment, "name", environmentPath),
            previous,
            current,
            PayloadFields.OptionalString(data, "changed_by", "data"),
            changedAt,
            delivery.BodyHash,
            delivery.RawPayload)
        {
            ProviderRefs = refs,
        };

        return new FlagWebhookOutcome.Accepted([change], delivery.BodyHash, TimeFromPayload: true);
    }

    private static FlagState State(JsonElement state, string path)
    {
        var enabled = PayloadFields.OptionalBool(state, "enabled", path) ?? throw PayloadFields.Missing(path + ".enabled");
        var value = PayloadFields.TryGet(state, "feature_state_value", out var v) ? PayloadFields.ScalarText(v) : null;
        return new FlagState(enabled, value);
    }
}
