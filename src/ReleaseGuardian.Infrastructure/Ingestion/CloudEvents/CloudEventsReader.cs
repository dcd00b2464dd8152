using System.Buffers;
using System.Text;
using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

namespace ReleaseGuardian.Infrastructure.Ingestion.CloudEvents;

/// <summary>
/// Reads CloudEvents 1.0 of Release Guardian's inbound types from <c>POST /api/events</c> and the
/// <c>guardian-events</c> queue, in every mode: structured (<c>application/cloudevents+json</c>), batch
/// (<c>application/cloudevents-batch+json</c>), binary (<c>ce-*</c> headers, the body is the data) and plain
/// <c>application/json</c> holding one event or an array. Also answers the Event Grid subscription validation
/// and the CloudEvents webhook validation (<c>OPTIONS</c>). Pure: no I/O; never throws on bad input.
/// Kept rather than the CNCF SDK (CloudNative.CloudEvents 2.9): on 15 malformed deliveries the SDK's errors name the
/// attribute and batch index in 8, this reader's in 14, and the SDK stops at a batch's first bad event (docs/libraries.md).
/// </summary>
public static class CloudEventsReader
{
    /// <summary>The largest batch accepted; a larger one is rejected whole with 400.</summary>
    public const int MaxBatchSize = 100;

    /// <summary>Structured mode's media type.</summary>
    public const string StructuredMediaType = "application/cloudevents+json";

    /// <summary>Batch mode's media type.</summary>
    public const string BatchMediaType = "application/cloudevents-batch+json";

    /// <summary>The Event Grid header that marks a subscription validation request.</summary>
    public const string EventGridEventTypeHeader = "aeg-event-type";

    /// <summary>The event type of Event Grid's subscription validation event.</summary>
    public const string EventGridValidationEventType = "Microsoft.EventGrid.SubscriptionValidationEvent";

    /// <summary>The header of a CloudEvents webhook validation request.</summary>
    public const string WebHookRequestOriginHeader = "WebHook-Request-Origin";

    /// <summary>
    /// True for an Event Grid subscription validation request. It carries no <c>X-Guardian-Signature</c> and stores
    /// nothing, so hosts let it through to <see cref="Read"/> before checking the signature.
    /// </summary>
    public static bool IsEventGridValidation(WebhookRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return string.Equals(request.Header(EventGridEventTypeHeader)?.Trim(), "SubscriptionValidation", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Reads an HTTP delivery; the mode follows the content type, then the presence of <c>ce-specversion</c>.</summary>
    public static CloudEventsReadResult Read(WebhookRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            if (IsEventGridValidation(request))
            {
                return EventGridValidation(request.Body);
            }

            var mediaType = MediaType(request.ContentType ?? request.Header("Content-Type"));
            if (mediaType == StructuredMediaType)
            {
                using var document = JsonRead.Parse(request.Body, "body");
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return CloudEventsReadResult.Rejected(IngestProblem.Malformed("$", $"a structured CloudEvent is one JSON object; send an array as {BatchMediaType}"));
                }

                return Single(document.RootElement);
            }

            if (mediaType == BatchMediaType)
            {
                using var document = JsonRead.Parse(request.Body, "body");
                if (document.RootElement.ValueKind != JsonValueKind.Array)
                {
                    return CloudEventsReadResult.Rejected(IngestProblem.Malformed("$", "a CloudEvents batch is a JSON array of events"), isBatch: true);
                }

                return Batch(document.RootElement);
            }

            if (request.Header("ce-specversion") is not null)
            {
                return Binary(request, mediaType);
            }

            if (mediaType is null || IsJson(mediaType))
            {
                return ParseJson(request.Body);
            }

            return CloudEventsReadResult.Rejected(new IngestProblem(
                IngestFailure.UnsupportedMediaType,
                "Content-Type",
                $"'{RunIdentity.Truncate(mediaType)}' is not accepted; send {StructuredMediaType}, {BatchMediaType}, application/json, or a binary-mode event with ce-* headers"));
        }
        catch (IngestRejection rejection)
        {
            return CloudEventsReadResult.Rejected(rejection.Problem);
        }
    }

    /// <summary>Reads JSON holding one CloudEvent (an object) or several (an array), as queue messages and plain <c>application/json</c> carry them.</summary>
    public static CloudEventsReadResult ParseJson(ReadOnlyMemory<byte> json)
    {
        // The HTTP hosts check this where a body enters; a queue message reaches here directly, and a string that does
        // not decode would throw from the reader, so the queue would retry it into the poison queue without a word.
        if (HttpApi.JsonStrings.FindUndecodable(json.Span) is { } undecodable)
        {
            return CloudEventsReadResult.Rejected(HttpApi.JsonStrings.Undecodable(undecodable));
        }

        try
        {
            using var document = JsonRead.Parse(json, "body");
            return document.RootElement.ValueKind switch
            {
                JsonValueKind.Object => Single(document.RootElement),
                JsonValueKind.Array => Batch(document.RootElement),
                _ => CloudEventsReadResult.Rejected(IngestProblem.Malformed("$", "must be a CloudEvent (a JSON object) or an array of them")),
            };
        }
        catch (IngestRejection rejection)
        {
            return CloudEventsReadResult.Rejected(rejection.Problem);
        }
    }

    /// <summary>
    /// Reads a <c>guardian-events</c> queue message: JSON as text, or base64 of JSON (the Functions queue
    /// trigger's and many SDKs' default encoding).
    /// </summary>
    public static CloudEventsReadResult DecodeQueueMessage(string messageText)
    {
        ArgumentNullException.ThrowIfNull(messageText);
        var trimmed = messageText.AsSpan().Trim();
        if (trimmed.Length > 0 && trimmed[0] == '\uFEFF')
        {
            trimmed = trimmed[1..].TrimStart();
        }

        if (trimmed.IsEmpty)
        {
            return CloudEventsReadResult.Rejected(IngestProblem.Malformed("message", "is empty; expected a CloudEvent as JSON or base64 of JSON"));
        }

        if (trimmed[0] is '{' or '[')
        {
            return ParseJson(Encoding.UTF8.GetBytes(trimmed.ToString()));
        }

        var buffer = new byte[(trimmed.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64Chars(trimmed, buffer, out var written))
        {
            return CloudEventsReadResult.Rejected(IngestProblem.Malformed("message", "is neither JSON nor base64-encoded JSON"));
        }

        return ParseJson(buffer.AsMemory(0, written));
    }

    /// <summary>
    /// Answers the CloudEvents webhook validation request (<c>OPTIONS</c>): echoes <c>WebHook-Request-Origin</c> in
    /// <c>WebHook-Allowed-Origin</c>, allows any rate and <c>POST, OPTIONS</c>. A missing or malformed origin is a 400
    /// naming the header.
    /// </summary>
    public static WebHookValidationAnswer AnswerValidationRequest(WebhookRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var origin = request.Header(WebHookRequestOriginHeader)?.Trim();
        if (string.IsNullOrEmpty(origin))
        {
            return new WebHookValidationAnswer(
                new Dictionary<string, string>(),
                IngestProblem.Malformed(WebHookRequestOriginHeader, "is missing; a webhook validation request names its origin, e.g. eventgrid.azure.net"));
        }

        // The origin is echoed in a response header, which takes visible ASCII only: anything else (control
        // characters, Latin-1 that Kestrel let through) would make the response itself fail with a 500.
        if (origin.AsSpan().ContainsAnyExceptInRange((char)0x20, (char)0x7E) || origin.Length > 255)
        {
            return new WebHookValidationAnswer(
                new Dictionary<string, string>(),
                IngestProblem.Malformed(WebHookRequestOriginHeader, "must be a host name"));
        }

        return new WebHookValidationAnswer(
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["WebHook-Allowed-Origin"] = origin,
                ["WebHook-Allowed-Rate"] = "*",
                ["Allow"] = "POST, OPTIONS",
            },
            null);
    }

    private static CloudEventsReadResult Single(JsonElement element)
    {
        var inbound = CloudEventMapper.FromStructured(element, string.Empty);
        return CloudEventsReadResult.Accepted([inbound], isBatch: false);
    }

    private static CloudEventsReadResult Batch(JsonElement array)
    {
        var count = array.GetArrayLength();
        if (count > MaxBatchSize)
        {
            return CloudEventsReadResult.Rejected(
                IngestProblem.Malformed("$", $"holds {count} events; a batch holds at most {MaxBatchSize}. Split it."),
                isBatch: true);
        }

        var events = new List<InboundEvent>(count);
        List<IngestProblem>? problems = null;
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var prefix = JsonPath.Index(string.Empty, index++);
            try
            {
                if (element.ValueKind != JsonValueKind.Object)
                {
                    throw IngestRejection.Malformed(prefix, "must be a CloudEvent (a JSON object)");
                }

                events.Add(CloudEventMapper.FromStructured(element, prefix));
            }
            catch (IngestRejection rejection)
            {
                (problems ??= []).Add(rejection.Problem);
            }
        }

        return problems is null
            ? CloudEventsReadResult.Accepted(events, isBatch: true)
            : CloudEventsReadResult.Rejected(problems, isBatch: true);
    }

    private static CloudEventsReadResult Binary(WebhookRequest request, string? mediaType)
    {
        var inbound = CloudEventMapper.FromBinary(request, mediaType);
        return CloudEventsReadResult.Accepted([inbound], isBatch: false);
    }

    private static CloudEventsReadResult EventGridValidation(ReadOnlyMemory<byte> body)
    {
        using var document = JsonRead.Parse(body, "body");
        var root = document.RootElement;
        var first = root;
        var prefix = string.Empty;
        if (root.ValueKind == JsonValueKind.Array)
        {
            if (root.GetArrayLength() == 0)
            {
                throw IngestRejection.Malformed("[0]", "is missing; a subscription validation request carries one validation event");
            }

            first = root[0];
            prefix = "[0]";
        }

        if (first.ValueKind != JsonValueKind.Object)
        {
            throw IngestRejection.Malformed(prefix.Length == 0 ? "$" : prefix, "must be an Event Grid event object");
        }

        var eventType = JsonRead.String(first, "eventType", prefix);
        if (!string.Equals(eventType, EventGridValidationEventType, StringComparison.Ordinal))
        {
            throw IngestRejection.Malformed(JsonPath.Property(prefix, "eventType"), $"must be {EventGridValidationEventType} when {EventGridEventTypeHeader} is SubscriptionValidation");
        }

        var dataPath = JsonPath.Property(prefix, "data");
        var data = JsonRead.RequireObject(first, "data", prefix, "the validation event carries data.validationCode");
        var code = JsonRead.RequireString(data, "validationCode", dataPath, "the validation event carries the code to echo");

        var buffer = new ArrayBufferWriter<byte>(64 + code.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("validationResponse", code);
            writer.WriteEndObject();
        }

        return CloudEventsReadResult.Handshake(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    internal static string? MediaType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var media = (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim().ToLowerInvariant();
        return media.Length == 0 ? null : media;
    }

    internal static bool IsJson(string? mediaType) =>
        mediaType is null
        || mediaType == "application/json"
        || mediaType == "text/json"
        || mediaType.EndsWith("+json", StringComparison.Ordinal);
}
