using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Infrastructure.Ingestion.Flags;

/// <summary>
/// Azure App Configuration key-value events delivered by Event Grid (Event Grid schema: a JSON array).
/// Event Grid cannot sign, so the subscription carries the shared secret: either in the endpoint URL as the
/// <c>secret</c> query parameter (recommended: the subscription-validation request carries it too) or as an
/// <c>x-guardian-secret</c> delivery header. Both are compared in constant time, and the validation handshake
/// is authenticated like any other delivery.
/// </summary>
/// <remarks>
/// <para>A POST with <c>aeg-event-type: SubscriptionValidation</c> (or a <c>Microsoft.EventGrid.SubscriptionValidationEvent</c>)
/// answers the handshake <c>{"validationResponse":"&lt;code&gt;"}</c>.</para>
/// <para><c>Microsoft.AppConfiguration.KeyValueModified</c> and <c>...KeyValueDeleted</c> events whose
/// <c>data.key</c> is <c>.appconfig.featureflag/{id}</c> become changes; other keys and event types are ignored.
/// The events carry no value, actor or previous state: a modification's on/off is unknown (null) and a deletion
/// reads as off. Flag key: the id after the prefix; environment: <c>data.label</c> (null when unlabelled); project:
/// the store name from <c>topic</c>; time: <c>eventTime</c>; change id: <c>data.etag</c>.</para>
/// <para>ProviderRefs: <c>key</c> (the full key), <c>label</c> (when set), <c>etag</c>, <c>syncToken</c>,
/// <c>endpoint</c> (<c>https://{store}.azconfig.io</c>, from <c>subject</c>) and <c>eventId</c>.</para>
/// </remarks>
public sealed class AzureAppConfigurationWebhookAdapter : FlagWebhookAdapter
{
    /// <summary>The provider name in the route.</summary>
    public const string Name = "azureappconfig";

    /// <summary>The header carrying the shared secret (an Event Grid delivery attribute).</summary>
    public const string SecretHeader = "x-guardian-secret";

    /// <summary>The query parameter carrying the shared secret.</summary>
    public const string SecretQueryParameter = "secret";

    /// <summary>Event Grid's header naming the kind of POST.</summary>
    public const string EventTypeHeader = "aeg-event-type";

    /// <summary>The key prefix of feature flags in App Configuration.</summary>
    public const string FeatureFlagPrefix = ".appconfig.featureflag/";

    private const string ValidationEventType = "Microsoft.EventGrid.SubscriptionValidationEvent";
    private const string ModifiedEventType = "Microsoft.AppConfiguration.KeyValueModified";
    private const string DeletedEventType = "Microsoft.AppConfiguration.KeyValueDeleted";

    /// <inheritdoc />
    public override string Provider => Name;

    /// <inheritdoc />
    public override string CredentialField => SecretHeader;

    private protected override IngestProblem? Verify(WebhookRequest request, string secret, DateTimeOffset now)
    {
        var presented = request.Header(SecretHeader);
        if (string.IsNullOrEmpty(presented))
        {
            presented = request.QueryValue(SecretQueryParameter);
        }

        return string.IsNullOrEmpty(presented)
            ? IngestProblem.Unauthorized(SecretHeader, $"the shared secret is missing: send it in the {SecretHeader} header or the {SecretQueryParameter} query parameter")
            : HmacSignature.SecretsEqual(secret, presented) ? null
            : BadCredential(missing: false);
    }

    private protected override FlagWebhookOutcome Interpret(FlagDelivery delivery)
    {
        var root = delivery.Root;
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new MalformedPayloadException("$", $"an Event Grid delivery must be a JSON array of events, not {PayloadFields.Describe(root.ValueKind)}");
        }

        var validation = string.Equals(delivery.Request.Header(EventTypeHeader), "SubscriptionValidation", StringComparison.OrdinalIgnoreCase);
        var changes = new List<FlagChange>();
        var timeFromPayload = true;
        var index = 0;
        foreach (var gridEvent in root.EnumerateArray())
        {
            var path = PayloadFields.Index("", index++);
            if (gridEvent.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedPayloadException(path, $"must be an object, not {PayloadFields.Describe(gridEvent.ValueKind)}");
            }

            var eventType = PayloadFields.RequireString(gridEvent, "eventType", path);
            if (eventType == ValidationEventType)
            {
                var validationData = PayloadFields.RequireObject(gridEvent, "data", path);
                var code = PayloadFields.RequireString(validationData, "validationCode", path + ".data");
                return new FlagWebhookOutcome.Handshake($"{{\"validationResponse\":\"{JsonEncodedText.Encode(code)}\"}}");
            }

            if (validation || (eventType != ModifiedEventType && eventType != DeletedEventType))
            {
                continue;
            }

            var data = PayloadFields.RequireObject(gridEvent, "data", path);
            var dataPath = path + ".data";
            var key = PayloadFields.RequireString(data, "key", dataPath);
            if (!key.StartsWith(FeatureFlagPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var flagId = key[FeatureFlagPrefix.Length..];
            if (flagId.Length == 0)
            {
                throw new MalformedPayloadException(dataPath + ".key", $"must name a flag after '{FeatureFlagPrefix}'");
            }

            var etag = PayloadFields.RequireString(data, "etag", dataPath);
            var label = PayloadFields.OptionalString(data, "label", dataPath);
            var eventTime = PayloadFields.OptionalTimestamp(gridEvent, "eventTime", path);
            timeFromPayload &= eventTime is not null;
            var changedAt = eventTime ?? delivery.Now;

            var refs = new Dictionary<string, string>(6) { ["key"] = key, ["etag"] = etag };
            PayloadFields.AddRef(refs, "label", label);
            PayloadFields.AddRef(refs, "syncToken", PayloadFields.OptionalString(data, "syncToken", dataPath));
            PayloadFields.AddRef(refs, "endpoint", Endpoint(PayloadFields.OptionalString(gridEvent, "subject", path)));
            PayloadFields.AddRef(refs, "eventId", PayloadFields.OptionalString(gridEvent, "id", path));

            changes.Add(new FlagChange(
                Name,
                flagId,
                StoreName(PayloadFields.OptionalString(gridEvent, "topic", path)),
                string.IsNullOrEmpty(label) ? null : label,
                null,
                new FlagState(eventType == DeletedEventType ? false : null),
                null,
                changedAt,
                etag,
                delivery.RawPayload)
            {
                ProviderRefs = refs,
            });
        }

        if (validation)
        {
            throw new MalformedPayloadException("$", $"a SubscriptionValidation delivery must contain a {ValidationEventType}");
        }

        return changes.Count switch
        {
            0 => new FlagWebhookOutcome.Ignored("the Event Grid delivery changed no App Configuration feature flag"),
            1 => new FlagWebhookOutcome.Accepted(changes, changes[0].ChangeId, timeFromPayload),
            _ => new FlagWebhookOutcome.Accepted(changes, delivery.BodyHash, timeFromPayload),
        };
    }

    private static string? Endpoint(string? subject) =>
        Uri.TryCreate(subject, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri.GetLeftPart(UriPartial.Authority)
            : null;

    private static string? StoreName(string? topic)
    {
        if (string.IsNullOrEmpty(topic))
        {
            return null;
        }

        var slash = topic.TrimEnd('/').LastIndexOf('/');
        var name = slash < 0 ? topic : topic.TrimEnd('/')[(slash + 1)..];
        return name.Length == 0 ? null : name;
    }
}
