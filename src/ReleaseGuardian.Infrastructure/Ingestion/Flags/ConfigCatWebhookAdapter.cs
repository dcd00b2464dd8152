using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Infrastructure.Ingestion.Flags;

/// <summary>
/// ConfigCat webhooks. ConfigCat signs <c>id + timestamp + body</c>: <c>X-ConfigCat-Webhook-Signature-V1</c> is a
/// comma-separated list of base64 HMAC-SHA256 values, one per signing key, and any one matching accepts.
/// <c>X-ConfigCat-Webhook-Timestamp</c> (unix seconds) more than five minutes from <c>now</c> either way is
/// rejected as a replay. <c>X-ConfigCat-Webhook-ID</c> is the delivery's de-dup id.
/// </summary>
/// <remarks>
/// <para>The body is a template the user writes in the ConfigCat dashboard. Configure this one (the
/// <c>##ChangeDetails##</c> placeholder expands to a JSON array, so it is not quoted):</para>
/// <code>
/// {
///   "configId": "##ConfigId##",
///   "configName": "##ConfigName##",
///   "environmentId": "##EnvironmentId##",
///   "environmentName": "##EnvironmentName##",
///   "changedBy": "##ChangedBy##",
///   "changeNotes": "##ChangeNotes##",
///   "url": "##URL##",
///   "changeDetails": ##ChangeDetails##
/// }
/// </code>
/// <para>Only <c>changeDetails</c> (an array of <c>{settingKey, event: added|changed|deleted, details}</c>) is
/// required. Each entry becomes one change with change id <c>{webhook id}:{settingKey}</c>. The states are read
/// from <c>details</c> lines such as <c>myFlag: false ➔ true</c> (booleans give on/off, other values become the
/// variant); a deleted setting is read as off. Project: <c>configName</c>, else <c>configId</c>; environment:
/// <c>environmentName</c>, else <c>environmentId</c>; actor: <c>changedBy</c>; time: the signed timestamp.</para>
/// <para>ProviderRefs: <c>configId</c>, <c>environmentId</c> and, where the entry carries it, <c>settingId</c>.</para>
/// </remarks>
public sealed class ConfigCatWebhookAdapter : FlagWebhookAdapter
{
    /// <summary>The provider name in the route.</summary>
    public const string Name = "configcat";

    /// <summary>The per-delivery id header (signed, and the de-dup id).</summary>
    public const string IdHeader = "X-ConfigCat-Webhook-ID";

    /// <summary>The unix-seconds timestamp header (signed).</summary>
    public const string TimestampHeader = "X-ConfigCat-Webhook-Timestamp";

    /// <summary>The comma-separated base64 signatures header.</summary>
    public const string SignatureHeader = "X-ConfigCat-Webhook-Signature-V1";

    /// <summary>How far the signed timestamp may be from now, either way.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    private const char Arrow = '\u2794';

    /// <inheritdoc />
    public override string Provider => Name;

    /// <inheritdoc />
    public override string CredentialField => SignatureHeader;

    private protected override IngestProblem? Verify(WebhookRequest request, string secret, DateTimeOffset now)
    {
        var signatures = request.Header(SignatureHeader);
        if (string.IsNullOrWhiteSpace(signatures))
        {
            return BadCredential(missing: true);
        }

        var id = request.Header(IdHeader);
        if (string.IsNullOrEmpty(id))
        {
            return IngestProblem.Unauthorized(IdHeader, $"the {IdHeader} header is missing; ConfigCat signs it with the body");
        }

        var timestampText = request.Header(TimestampHeader);
        if (string.IsNullOrEmpty(timestampText))
        {
            return IngestProblem.Unauthorized(TimestampHeader, $"the {TimestampHeader} header is missing; ConfigCat signs it with the body");
        }

        if (!TryParseTimestamp(timestampText, out var signedAt))
        {
            return IngestProblem.Unauthorized(TimestampHeader, $"the {TimestampHeader} header must be unix seconds");
        }

        if ((now - signedAt).Duration() > MaxClockSkew)
        {
            return IngestProblem.Unauthorized(
                TimestampHeader,
                $"the {TimestampHeader} header is more than {MaxClockSkew.TotalMinutes:0} minutes from the current time; the delivery is stale or replayed");
        }

        return AnySignatureMatches(secret, id, timestampText, request.Body.Span, signatures) ? null : BadCredential(missing: false);
    }

    private static bool AnySignatureMatches(string secret, string id, string timestamp, ReadOnlySpan<byte> body, string signatures)
    {
        var prefixLength = Encoding.UTF8.GetByteCount(id) + Encoding.UTF8.GetByteCount(timestamp);
        var buffer = ArrayPool<byte>.Shared.Rent(prefixLength + body.Length);
        byte[] expected;
        try
        {
            var written = Encoding.UTF8.GetBytes(id, buffer);
            written += Encoding.UTF8.GetBytes(timestamp, buffer.AsSpan(written));
            body.CopyTo(buffer.AsSpan(written));
            expected = HmacSignature.Compute(secret, buffer.AsSpan(0, written + body.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Span<byte> presented = stackalloc byte[32];
        var matched = false;
        foreach (var range in signatures.AsSpan().Split(','))
        {
            var candidate = signatures.AsSpan(range).Trim();
            if (Convert.TryFromBase64Chars(candidate, presented, out var length) && length == 32)
            {
                // No early exit: which of the listed keys matched must not show in the timing.
                matched |= CryptographicOperations.FixedTimeEquals(expected, presented);
            }
        }

        return matched;
    }

    private static bool TryParseTimestamp(string text, out DateTimeOffset time)
    {
        if (long.TryParse(text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) &&
            seconds <= 253_402_300_799)
        {
            time = DateTimeOffset.FromUnixTimeSeconds(seconds);
            return true;
        }

        time = default;
        return false;
    }

    private protected override FlagWebhookOutcome Interpret(FlagDelivery delivery)
    {
        var root = delivery.RootObject();
        var details = PayloadFields.RequireArray(root, "changeDetails", "");
        if (details.GetArrayLength() == 0)
        {
            return new FlagWebhookOutcome.Ignored("the ConfigCat delivery lists no changed settings");
        }

        var configId = PayloadFields.OptionalString(root, "configId", "");
        var environmentId = PayloadFields.OptionalString(root, "environmentId", "");
        var project = NonEmpty(PayloadFields.OptionalString(root, "configName", "")) ?? NonEmpty(configId);
        var environment = NonEmpty(PayloadFields.OptionalString(root, "environmentName", "")) ?? NonEmpty(environmentId);
        var actor = NonEmpty(PayloadFields.OptionalString(root, "changedBy", ""));

        var request = delivery.Request;
        var deliveryId = NonEmpty(request.Header(IdHeader)) ?? delivery.BodyHash;
        var changedAt = request.Header(TimestampHeader) is { } ts && TryParseTimestamp(ts, out var signedAt) ? signedAt : delivery.Now;

        var changes = new List<FlagChange>(details.GetArrayLength());
        var index = 0;
        foreach (var entry in details.EnumerateArray())
        {
            var path = PayloadFields.Index("changeDetails", index++);
            if (entry.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedPayloadException(path, $"must be an object, not {PayloadFields.Describe(entry.ValueKind)}");
            }

            var key = PayloadFields.RequireString(entry, "settingKey", path);
            var kind = PayloadFields.OptionalString(entry, "event", path) ?? "changed";
            var (before, after) = ReadValues(key, PayloadFields.OptionalString(entry, "details", path));
            var previous = kind == "added" ? null : before is null ? null : ValueState(before);
            var current = kind == "deleted" ? new FlagState(false) : after is null ? new FlagState(null) : ValueState(after);

            var refs = new Dictionary<string, string>(3);
            PayloadFields.AddRef(refs, "configId", configId);
            PayloadFields.AddRef(refs, "environmentId", environmentId);
            PayloadFields.AddRef(refs, "settingId", PayloadFields.OptionalIdentifier(entry, "settingId", path));

            changes.Add(new FlagChange(Name, key, project, environment, previous, current, actor, changedAt, $"{deliveryId}:{key}", delivery.RawPayload)
            {
                ProviderRefs = refs,
            });
        }

        return new FlagWebhookOutcome.Accepted(changes, deliveryId);
    }

    /// <summary>Reads "key: old ➔ new" (or "key: value" for an added setting) from ConfigCat's details text.</summary>
    private static (string? Before, string? After) ReadValues(string key, string? details)
    {
        if (string.IsNullOrWhiteSpace(details))
        {
            return (null, null);
        }

        string? fallback = null;
        foreach (var rawLine in details.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
            {
                return Split(line[(key.Length + 1)..]);
            }

            if (fallback is null && line.Contains(Arrow, StringComparison.Ordinal))
            {
                fallback = line;
            }
        }

        if (fallback is null)
        {
            return (null, null);
        }

        var colon = fallback.IndexOf(": ", StringComparison.Ordinal);
        var arrow = fallback.IndexOf(Arrow, StringComparison.Ordinal);
        return Split(colon >= 0 && colon < arrow ? fallback[(colon + 2)..] : fallback);

        static (string?, string?) Split(string values)
        {
            var arrow = values.IndexOf(Arrow, StringComparison.Ordinal);
            return arrow < 0
                ? (null, NonEmpty(values.Trim()))
                : (NonEmpty(values[..arrow].Trim()), NonEmpty(values[(arrow + 1)..].Trim()));
        }
    }

    private static FlagState ValueState(string value) =>
        PayloadFields.AsBoolean(value) is { } enabled ? new FlagState(enabled) : new FlagState(null, value);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
