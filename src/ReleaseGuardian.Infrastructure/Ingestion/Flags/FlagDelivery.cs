using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Infrastructure.Ingestion.Flags;

/// <summary>
/// One authenticated delivery being interpreted: the parsed root plus lazily derived values that several
/// changes of one delivery share (the payload text and the body hash are computed at most once).
/// </summary>
internal sealed class FlagDelivery(string provider, WebhookRequest request, JsonElement root, DateTimeOffset now)
{
    private string? _rawPayload;
    private string? _bodyHash;

    public string Provider { get; } = provider;

    public WebhookRequest Request { get; } = request;

    public JsonElement Root { get; } = root;

    public DateTimeOffset Now { get; } = now;

    /// <summary>The body as UTF-8 text, kept on every change for the audit trail.</summary>
    public string RawPayload => _rawPayload ??= Encoding.UTF8.GetString(Request.Body.Span);

    /// <summary>Lowercase hex SHA-256 of the raw body: the de-dup id for providers that send none.</summary>
    public string BodyHash => _bodyHash ??= Convert.ToHexStringLower(SHA256.HashData(Request.Body.Span));

    /// <summary>The root, which must be a JSON object.</summary>
    public JsonElement RootObject()
    {
        if (Root.ValueKind != JsonValueKind.Object)
        {
            throw new MalformedPayloadException("$", $"the body must be a JSON object, not {PayloadFields.Describe(Root.ValueKind)}");
        }

        return Root;
    }
}

/// <summary>A field of an authenticated payload is missing or of the wrong shape.</summary>
internal sealed class MalformedPayloadException : Exception
{
    public MalformedPayloadException(string field, string detail)
        : base(detail) => Field = field;

    public MalformedPayloadException()
        : this("$", "malformed payload")
    {
    }

    public MalformedPayloadException(string message, Exception innerException)
        : base(message, innerException) => Field = "$";

    public MalformedPayloadException(string message)
        : this("$", message)
    {
    }

    /// <summary>The JSON path of the field, e.g. <c>accesses[0].resource</c>.</summary>
    public string Field { get; }
}
