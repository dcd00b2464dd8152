using Microsoft.Extensions.Configuration;
using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Infrastructure.Ingestion;

/// <summary>Reads <c>Webhooks:{sender}:Secret</c> and <c>Webhooks:{sender}:AllowUnsigned</c> (environment: <c>Webhooks__k6__Secret</c>).</summary>
public sealed class ConfigurationWebhookSecurity(IConfiguration configuration) : IWebhookSecuritySettings
{
    /// <inheritdoc />
    public WebhookSecurity For(string sender)
    {
        var section = configuration.GetSection("Webhooks").GetSection(sender);
        var secret = section["Secret"];
        var allowUnsigned = bool.TryParse(section["AllowUnsigned"], out var allow) && allow;
        return new WebhookSecurity(string.IsNullOrEmpty(secret) ? null : secret, allowUnsigned);
    }
}
