using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Infrastructure.Ingestion.Flags;

/// <summary>
/// Unleash's webhook addon: the body is the event JSON. Unleash cannot sign, so the addon is configured
/// to send the shared secret as its <c>Authorization</c> header value, compared here in constant time.
/// </summary>
/// <remarks>
/// <para>Tracked event types: <c>feature-environment-enabled</c> (current on, previous off: the event only fires on
/// that transition), <c>feature-environment-disabled</c> (current off, previous on), <c>feature-archived</c> and
/// <c>feature-deleted</c> (current off), and <c>feature-strategy-add|update|remove</c>,
/// <c>feature-environment-variants-updated</c>, <c>feature-variants-updated</c>, <c>feature-created</c>,
/// <c>feature-revived</c>, <c>feature-updated</c> (on/off unknown, previous null). Every other type, feature
/// metadata such as tags, stale markers or favourites included, is ignored.</para>
/// <para>Change id: <c>id</c>. Actor: <c>createdBy</c>. Time: <c>createdAt</c>.</para>
/// <para>ProviderRefs: <c>eventType</c> and, for strategy events, <c>strategyId</c> (from <c>data.id</c> or <c>preData.id</c>).</para>
/// </remarks>
public sealed class UnleashWebhookAdapter : FlagWebhookAdapter
{
    /// <summary>The provider name in the route.</summary>
    public const string Name = "unleash";

    /// <summary>The header carrying the shared secret.</summary>
    public const string SecretHeader = "Authorization";

    /// <inheritdoc />
    public override string Provider => Name;

    /// <inheritdoc />
    public override string CredentialField => SecretHeader;

    private protected override IngestProblem? Verify(WebhookRequest request, string secret, DateTimeOffset now) =>
        VerifySharedSecret(secret, request.Header(SecretHeader));

    private protected override FlagWebhookOutcome Interpret(FlagDelivery delivery)
    {
        var root = delivery.RootObject();
        var type = PayloadFields.RequireString(root, "type", "");
        (bool? Current, bool? Previous)? transition = type switch
        {
            "feature-environment-enabled" => (true, false),
            "feature-environment-disabled" => (false, true),
            "feature-archived" or "feature-deleted" => (false, null),
            "feature-strategy-add" or "feature-strategy-update" or "feature-strategy-remove"
                or "feature-environment-variants-updated" or "feature-variants-updated"
                or "feature-created" or "feature-revived" or "feature-updated" => (null, null),
            _ => null,
        };

        if (transition is not { } states)
        {
            return new FlagWebhookOutcome.Ignored($"Unleash events of type '{type}' do not change a flag's served state");
        }

        var id = PayloadFields.RequireIdentifier(root, "id", "");
        var featureName = PayloadFields.RequireString(root, "featureName", "");
        var changedAt = PayloadFields.OptionalTimestamp(root, "createdAt", "") ?? throw PayloadFields.Missing("createdAt");
        var project = PayloadFields.OptionalString(root, "project", "");
        var environment = PayloadFields.OptionalString(root, "environment", "");
        var actor = PayloadFields.OptionalIdentifier(root, "createdBy", "");

        var refs = new Dictionary<string, string>(2) { ["eventType"] = type };
        if (type.StartsWith("feature-strategy-", StringComparison.Ordinal))
        {
            var strategy = PayloadFields.OptionalObject(root, "data", "") ?? PayloadFields.OptionalObject(root, "preData", "");
            var strategyPath = PayloadFields.TryGet(root, "data", out _) ? "data" : "preData";
            if (strategy is { } s && PayloadFields.OptionalIdentifier(s, "id", strategyPath) is { } strategyId)
            {
                refs["strategyId"] = strategyId;
            }
        }

        var change = new FlagChange(
            Name,
            featureName,
            project,
            environment,
            states.Previous is null ? null : new FlagState(states.Previous),
            new FlagState(states.Current),
            actor,
            changedAt,
            id,
            delivery.RawPayload)
        {
            ProviderRefs = refs,
        };

        return new FlagWebhookOutcome.Accepted([change], id, TimeFromPayload: true);
    }
}
