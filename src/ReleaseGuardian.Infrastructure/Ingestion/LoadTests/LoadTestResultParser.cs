using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

/// <summary>
/// The shared frame of every tool parser: parse the body once with <see cref="JsonDocument"/> (depth
/// limited to 64), let the tool read its signals, then resolve guardian, purpose, window and test id
/// (<see cref="ILoadTestResultParser"/> describes the precedence). Never throws on bad input.
/// </summary>
public abstract class LoadTestResultParser : ILoadTestResultParser
{
    private protected LoadTestResultParser()
    {
    }

    /// <inheritdoc />
    public abstract string Tool { get; }

    /// <inheritdoc />
    public LoadTestParseOutcome Parse(WebhookRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            var reading = ReadText(request);
            if (reading is null)
            {
                using var document = JsonRead.Parse(request.Body, "body");
                reading = Read(document.RootElement);
            }

            // Only a document's own end repeats exactly on a redelivery; a query, header or 'now' may not.
            return new LoadTestParseOutcome.Accepted(RunIdentity.Resolve(Tool, reading, request, now), EndFromPayload: reading.End is not null);
        }
        catch (IngestRejection rejection)
        {
            return new LoadTestParseOutcome.Rejected(rejection.Problem);
        }
    }

    /// <summary>
    /// Reads a document that is not JSON (Locust's <c>--csv</c> stats); null hands the body to the JSON reader.
    /// Throws <see cref="IngestRejection"/> naming the column or line on bad input.
    /// </summary>
    private protected virtual ToolReading? ReadText(WebhookRequest request) => null;

    /// <summary>Reads the tool's document; throws <see cref="IngestRejection"/> naming the JSON path on bad input.</summary>
    private protected abstract ToolReading Read(JsonElement root);
}
