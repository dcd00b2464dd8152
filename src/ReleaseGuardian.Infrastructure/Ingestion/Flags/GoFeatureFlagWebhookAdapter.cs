using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Infrastructure.Ingestion.Flags;

/// <summary>
/// GO Feature Flag's webhook notifier, signed with <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256 of the body&gt;</c>.
/// One delivery batches every flag that changed since the last refresh:
/// <c>flags.updated.{flag}.old_value/new_value</c>, <c>flags.added.{flag}</c> and <c>flags.deleted.{flag}</c>.
/// </summary>
/// <remarks>
/// <para>One change per flag. A flag is on unless its definition says <c>"disable": true</c>; the variant is
/// <c>defaultRule.variation</c> (or the legacy format's <c>default</c>). Added flags have no previous state;
/// deleted flags are read as off. The payload carries no actor, time, project, environment or id: the time is
/// <c>now</c>, the delivery id is the SHA-256 of the body and each change id is <c>{body hash}:{flag}</c>.</para>
/// <para>ProviderRefs: <c>hostname</c> (<c>meta.hostname</c>, the relay or server that noticed the change) and
/// <c>section</c> (<c>added</c>, <c>updated</c> or <c>deleted</c>).</para>
/// </remarks>
public sealed class GoFeatureFlagWebhookAdapter : FlagWebhookAdapter
{
    /// <summary>The provider name in the route.</summary>
    public const string Name = "gofeatureflag";

    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Hub-Signature-256";

    /// <inheritdoc />
    public override string Provider => Name;

    /// <inheritdoc />
    public override string CredentialField => SignatureHeader;

    private protected override IngestProblem? Verify(WebhookRequest request, string secret, DateTimeOffset now) =>
        VerifyHexSignature(request, secret, prefix: "sha256=");

    private protected override FlagWebhookOutcome Interpret(FlagDelivery delivery)
    {
        var root = delivery.RootObject();
        var flags = PayloadFields.RequireObject(root, "flags", "");
        var hostname = PayloadFields.OptionalObject(root, "meta", "") is { } meta
            ? PayloadFields.OptionalString(meta, "hostname", "meta")
            : null;

        var changes = new List<FlagChange>();
        foreach (var section in (ReadOnlySpan<string>)["updated", "added", "deleted"])
        {
            if (PayloadFields.OptionalObject(flags, section, "flags") is not { } entries)
            {
                continue;
            }

            var sectionPath = "flags." + section;
            foreach (var flag in entries.EnumerateObject())
            {
                var path = PayloadFields.Path(sectionPath, flag.Name);
                if (flag.Value.ValueKind != JsonValueKind.Object)
                {
                    throw new MalformedPayloadException(path, $"must be an object, not {PayloadFields.Describe(flag.Value.ValueKind)}");
                }

                FlagState? previous;
                FlagState current;
                switch (section)
                {
                    case "updated":
                        previous = State(PayloadFields.RequireObject(flag.Value, "old_value", path), path + ".old_value");
                        current = State(PayloadFields.RequireObject(flag.Value, "new_value", path), path + ".new_value");
                        break;
                    case "added":
                        previous = null;
                        current = State(flag.Value, path);
                        break;
                    default:
                        previous = State(flag.Value, path);
                        current = new FlagState(false);
                        break;
                }

                var refs = new Dictionary<string, string>(2) { ["section"] = section };
                PayloadFields.AddRef(refs, "hostname", hostname);
                changes.Add(new FlagChange(
                    Name, flag.Name, null, null, previous, current, null, delivery.Now,
                    $"{delivery.BodyHash}:{flag.Name}", delivery.RawPayload)
                {
                    ProviderRefs = refs,
                });
            }
        }

        return changes.Count == 0
            ? new FlagWebhookOutcome.Ignored("the GO Feature Flag notification lists no added, updated or deleted flag")
            : new FlagWebhookOutcome.Accepted(changes, delivery.BodyHash);
    }

    private static FlagState State(JsonElement flag, string path)
    {
        var disabled = PayloadFields.OptionalBool(flag, "disable", path) ?? false;
        string? variant = null;
        if (PayloadFields.OptionalObject(flag, "defaultRule", path) is { } defaultRule)
        {
            variant = PayloadFields.OptionalString(defaultRule, "variation", path + ".defaultRule");
        }
        else if (PayloadFields.TryGet(flag, "default", out var legacyDefault))
        {
            variant = PayloadFields.ScalarText(legacyDefault);
        }

        return new FlagState(!disabled, variant);
    }
}
