namespace ReleaseGuardian.Application.Ingestion;

/// <summary>
/// Authenticates deliveries from senders that have no signature scheme of their own (load-test tools,
/// scripts posting CloudEvents): the <c>X-Guardian-Signature: sha256=&lt;hex HMAC&gt;</c> header.
/// </summary>
public interface IDeliveryAuthenticator
{
    /// <summary>Null when the delivery is authentic (or unsigned deliveries are allowed); otherwise the 401 problem.</summary>
    IngestProblem? Verify(WebhookRequest request, WebhookSecurity security, string sender);
}
