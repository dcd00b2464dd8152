namespace ReleaseGuardian.Application.Ingestion;

/// <summary>What a CloudEvents delivery (HTTP in any mode, or a queue message) amounts to before anything is stored.</summary>
public abstract record CloudEventsRead
{
    private CloudEventsRead()
    {
    }

    /// <summary>Every event is valid and normalised.</summary>
    /// <param name="Items">The events, in delivery order.</param>
    public sealed record Events(IReadOnlyList<InboundEvent> Items) : CloudEventsRead;

    /// <summary>An Event Grid subscription-validation request: answer 200 with this JSON.</summary>
    /// <param name="ResponseJson">The body.</param>
    public sealed record Handshake(string ResponseJson) : CloudEventsRead;

    /// <summary>Rejected as a whole (a batch with one bad event stores nothing).</summary>
    /// <param name="Problem">The first problem; the detail lists every bad index.</param>
    public sealed record Rejected(IngestProblem Problem) : CloudEventsRead;
}

/// <summary>Reads CloudEvents 1.0 (structured, binary, batch; Event Grid validation) into normalised events.</summary>
public interface ICloudEventsReader
{
    /// <summary>Reads an HTTP delivery.</summary>
    CloudEventsRead ReadHttp(WebhookRequest request);

    /// <summary>Reads a queue message: CloudEvents JSON, as plain text or base64.</summary>
    CloudEventsRead ReadQueueMessage(string messageText);
}
