namespace ReleaseGuardian.Application.Ingestion;

/// <summary>
/// Where each sender's webhook secret comes from: configuration <c>Webhooks:{name}:Secret</c> and
/// <c>Webhooks:{name}:AllowUnsigned</c> in both hosts. Names are providers (launchdarkly, ...), load-test
/// tools (k6, ...) and <c>events</c> for <c>POST /api/events</c>.
/// </summary>
public interface IWebhookSecuritySettings
{
    /// <summary>The security settings for one sender; <see cref="WebhookSecurity.None"/> when nothing is configured.</summary>
    WebhookSecurity For(string sender);
}
