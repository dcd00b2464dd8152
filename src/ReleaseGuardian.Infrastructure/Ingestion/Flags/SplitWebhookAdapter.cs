using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Infrastructure.Ingestion.Flags;

/// <summary>
/// Split / Harness FME audit-log webhooks. Split documents no signature, so the webhook URL carries the shared
/// secret as the <c>secret</c> query parameter (<c>.../api/webhooks/flags/split?secret=...</c>), compared in
/// constant time. A query parameter is used because Split's webhook integration only takes a URL.
/// </summary>
/// <remarks>
/// <para>Fields: <c>name</c> (flag key), <c>changeNumber</c> (change id), <c>time</c> (unix time; values above
/// 10^11 are milliseconds, smaller ones seconds), <c>environmentName</c>, <c>editor</c>, <c>definition</c> (new
/// state) and <c>previous</c> (the previous change, with its own <c>definition</c>). A definition given as a JSON
/// object (or a string holding one) yields on/off from <c>killed</c> and the variant from <c>defaultTreatment</c>;
/// Split's plain-text definitions leave both unknown. Objects whose <c>type</c> is not <c>split</c> (compared
/// ignoring case: the docs say <c>split</c>, real deliveries say <c>Split</c>) are ignored.</para>
/// <para>ProviderRefs for the kill call: <c>environmentId</c> from the top-level field real deliveries carry,
/// else from <c>link</c> (<c>.../env/{id}/...</c>); <c>workspaceId</c> from a top-level <c>workspaceId</c>, else
/// from <c>link</c> (<c>.../ws/{id}/...</c>); where neither is sent the rollback client falls back to
/// <c>Providers:split:WorkspaceId</c>. <c>link</c> is nullable and real deliveries often leave it out.</para>
/// </remarks>
public sealed class SplitWebhookAdapter : FlagWebhookAdapter
{
    /// <summary>The provider name in the route.</summary>
    public const string Name = "split";

    /// <summary>The query parameter carrying the shared secret.</summary>
    public const string SecretQueryParameter = "secret";

    /// <inheritdoc />
    public override string Provider => Name;

    /// <inheritdoc />
    public override string CredentialField => SecretQueryParameter;

    private protected override IngestProblem? Verify(WebhookRequest request, string secret, DateTimeOffset now) =>
        VerifySharedSecret(secret, request.QueryValue(SecretQueryParameter));

    private protected override FlagWebhookOutcome Interpret(FlagDelivery delivery)
    {
        var root = delivery.RootObject();
        var type = PayloadFields.OptionalString(root, "type", "");
        if (type is not null && !type.Equals("split", StringComparison.OrdinalIgnoreCase))
        {
            return new FlagWebhookOutcome.Ignored($"Split audit objects of type '{type}' are not feature flags");
        }

        var key = PayloadFields.RequireString(root, "name", "");
        var changeNumber = PayloadFields.OptionalInt64(root, "changeNumber", "") ?? throw PayloadFields.Missing("changeNumber");
        var time = PayloadFields.OptionalInt64(root, "time", "") ?? throw PayloadFields.Missing("time");
        var changedAt = PayloadFields.FromUnixMilliseconds(Math.Abs(time) > 100_000_000_000 ? time : time * 1000, "time");
        var environment = PayloadFields.RequireString(root, "environmentName", "");
        var actor = PayloadFields.OptionalString(root, "editor", "");

        var current = Definition(root, "") ?? new FlagState(null);
        FlagState? previous = null;
        if (PayloadFields.OptionalObject(root, "previous", "") is { } previousChange)
        {
            previous = Definition(previousChange, "previous");
        }

        var refs = new Dictionary<string, string>(2);
        var link = PayloadFields.OptionalString(root, "link", "");
        PayloadFields.AddRef(refs, "workspaceId",
            PayloadFields.OptionalIdentifier(root, "workspaceId", "") ?? (link is null ? null : LinkSegment(link, "/ws/")));
        PayloadFields.AddRef(refs, "environmentId",
            PayloadFields.OptionalIdentifier(root, "environmentId", "") ?? (link is null ? null : LinkSegment(link, "/env/")));

        var id = changeNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var change = new FlagChange(Name, key, null, environment, previous, current, actor, changedAt, id, delivery.RawPayload)
        {
            ProviderRefs = refs,
        };

        return new FlagWebhookOutcome.Accepted([change], id, TimeFromPayload: true);
    }

    private static FlagState? Definition(JsonElement change, string path)
    {
        var definitionPath = PayloadFields.Path(path, "definition");
        if (!PayloadFields.TryGet(change, "definition", out var definition))
        {
            return null;
        }

        switch (definition.ValueKind)
        {
            case JsonValueKind.Object:
                return FromObject(definition, definitionPath);
            case JsonValueKind.String:
                var text = definition.GetString();
                if (text is null || !text.TrimStart().StartsWith('{'))
                {
                    return null;
                }

                try
                {
                    using var inner = JsonDocument.Parse(text);
                    return inner.RootElement.ValueKind == JsonValueKind.Object ? FromObject(inner.RootElement, definitionPath) : null;
                }
                catch (JsonException)
                {
                    // A plain-text definition that merely starts with a brace: the state is unknown, not malformed.
                    return null;
                }

            default:
                throw new MalformedPayloadException(definitionPath, $"must be a string or an object, not {PayloadFields.Describe(definition.ValueKind)}");
        }
    }

    private static FlagState? FromObject(JsonElement definition, string path)
    {
        var killed = PayloadFields.OptionalBool(definition, "killed", path);
        var treatment = PayloadFields.OptionalString(definition, "defaultTreatment", path);
        return killed is null && treatment is null ? null : new FlagState(killed is null ? null : !killed, treatment);
    }

    private static string? LinkSegment(string link, string marker)
    {
        var start = link.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += marker.Length;
        var end = link.IndexOfAny(['/', '?', '#'], start);
        return end < 0 ? link[start..] : link[start..end];
    }
}
