using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion.CloudEvents;

namespace ReleaseGuardian.Infrastructure.Ingestion;

/// <summary>The Application's <see cref="ICloudEventsReader"/> over <see cref="CloudEventsReader"/>.</summary>
public sealed class CloudEventsReaderPort : ICloudEventsReader
{
    /// <inheritdoc />
    public CloudEventsRead ReadHttp(WebhookRequest request) => From(CloudEventsReader.Read(request));

    /// <inheritdoc />
    public CloudEventsRead ReadQueueMessage(string messageText) => From(CloudEventsReader.DecodeQueueMessage(messageText));

    private static CloudEventsRead From(CloudEventsReadResult result)
    {
        if (result.IsHandshake)
        {
            return new CloudEventsRead.Handshake(result.HandshakeResponseJson!);
        }

        if (result.IsAccepted)
        {
            return new CloudEventsRead.Events(result.Events);
        }

        var first = result.Problem!;
        return result.Problems.Count == 1
            ? new CloudEventsRead.Rejected(first)
            : new CloudEventsRead.Rejected(first with
            {
                // A batch is rejected whole; say what is wrong with every bad event, not just the first.
                Detail = string.Join("; ", result.Problems.Select(p => $"{p.Field}: {p.Detail}")),
            });
    }
}

/// <summary>The Application's <see cref="IDeliveryAuthenticator"/> over <see cref="GuardianSignature"/>.</summary>
public sealed class GuardianSignatureAuthenticator : IDeliveryAuthenticator
{
    /// <inheritdoc />
    public IngestProblem? Verify(WebhookRequest request, WebhookSecurity security, string sender) =>
        GuardianSignature.Verify(request, security, sender);
}
