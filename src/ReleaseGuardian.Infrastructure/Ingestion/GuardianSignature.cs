using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Infrastructure.Ingestion;

/// <summary>
/// Release Guardian's own signature for senders that have no scheme of their own (load-test tools, CI
/// scripts, CloudEvents posters): <c>X-Guardian-Signature: sha256=&lt;lowercase hex HMAC-SHA256(secret, raw body)&gt;</c>,
/// the secret being <c>Webhooks:{who}:Secret</c>. Sign with
/// <c>openssl dgst -sha256 -hmac "$SECRET" -hex &lt; body.json</c> or <see cref="Sign"/>.
/// </summary>
public static class GuardianSignature
{
    /// <summary>The header that carries the signature.</summary>
    public const string HeaderName = "X-Guardian-Signature";

    /// <summary>The prefix of the header value, naming the algorithm.</summary>
    public const string Prefix = "sha256=";

    /// <summary>The header value for <paramref name="body"/>: <c>sha256=</c> and the lowercase hex HMAC-SHA256.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Prefix + HmacSignature.ComputeHex(secret, body);
    }

    /// <summary>
    /// Null when the delivery is accepted, else a 401 naming the header. With a secret configured the
    /// signature is required (whatever <see cref="WebhookSecurity.AllowUnsigned"/> says) and compared in
    /// constant time over the raw body. Without a secret, only <see cref="WebhookSecurity.AllowUnsigned"/> lets
    /// a delivery through. The detail never echoes the presented signature.
    /// </summary>
    /// <param name="request">The delivery.</param>
    /// <param name="security">The configured secret and whether unsigned deliveries are allowed.</param>
    /// <param name="who">The configuration name of the sender, e.g. <c>k6</c> or <c>events</c> (for <c>Webhooks:{who}:Secret</c>).</param>
    public static IngestProblem? Verify(WebhookRequest request, WebhookSecurity security, string who)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(security);
        ArgumentNullException.ThrowIfNull(who);

        if (string.IsNullOrEmpty(security.Secret))
        {
            return security.AllowUnsigned
                ? null
                : IngestProblem.Unauthorized(
                    HeaderName,
                    $"no signing secret is configured for '{who}'; set Webhooks:{who}:Secret (environment variable Webhooks__{who}__Secret) and sign the raw body as '{HeaderName}: {Prefix}<hex HMAC-SHA256>', or set Webhooks:{who}:AllowUnsigned=true to accept unsigned deliveries");
        }

        var presented = request.Header(HeaderName)?.Trim();
        if (string.IsNullOrEmpty(presented))
        {
            return IngestProblem.Unauthorized(
                HeaderName,
                $"is missing; sign the raw body with the secret configured as Webhooks:{who}:Secret and send '{HeaderName}: {Prefix}<lowercase hex HMAC-SHA256>'");
        }

        if (!presented.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return IngestProblem.Unauthorized(HeaderName, $"must have the form '{Prefix}<lowercase hex HMAC-SHA256 of the raw body>'");
        }

        return HmacSignature.MatchesHex(security.Secret, request.Body.Span, presented[Prefix.Length..])
            ? null
            : IngestProblem.Unauthorized(HeaderName, $"does not match the body; the signature must be the HMAC-SHA256 of the exact raw body under the secret configured as Webhooks:{who}:Secret");
    }
}
