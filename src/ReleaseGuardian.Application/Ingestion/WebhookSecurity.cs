namespace ReleaseGuardian.Application.Ingestion;

/// <summary>
/// How one provider's (or tool's) deliveries are authenticated, from configuration
/// <c>Webhooks:{provider}:Secret</c> and <c>Webhooks:{provider}:AllowUnsigned</c>.
/// </summary>
/// <param name="Secret">The signing secret or shared header value; null when none is configured.</param>
/// <param name="AllowUnsigned">Accept deliveries without a signature. Without a secret and without this, every delivery is rejected with 401.</param>
public sealed record WebhookSecurity(string? Secret, bool AllowUnsigned = false)
{
    /// <summary>No secret and unsigned deliveries refused: everything is rejected.</summary>
    public static WebhookSecurity None { get; } = new(null, false);
}
