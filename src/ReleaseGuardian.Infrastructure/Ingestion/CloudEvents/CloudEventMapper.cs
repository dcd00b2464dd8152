using System.Text;
using System.Text.Json;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Core.LoadTests;
using ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

namespace ReleaseGuardian.Infrastructure.Ingestion.CloudEvents;

/// <summary>The context attributes every mapping needs, with the names a problem about them uses.</summary>
/// <param name="Id">The event id.</param>
/// <param name="Source">The event source.</param>
/// <param name="Type">The event type.</param>
/// <param name="Subject">The subject, if any.</param>
/// <param name="Time">The time attribute, if any.</param>
/// <param name="TimeField">How to name the time attribute in a problem: <c>time</c>, <c>[2].time</c> or <c>ce-time</c>.</param>
internal readonly record struct CloudEventEnvelope(string Id, string Source, string Type, string? Subject, DateTimeOffset? Time, string TimeField)
{
    /// <summary>
    /// True when <see cref="Time"/> sits in the body (structured and batch mode, queue messages). A binary-mode
    /// <c>ce-time</c> header is treated like any per-delivery header: a retry might send another value.
    /// </summary>
    public bool TimeInBody => TimeField != "ce-time";
}

/// <summary>
/// Validates a CloudEvent's context attributes and maps the data of Release Guardian's inbound types to
/// <see cref="InboundEvent"/>s. Throws <see cref="IngestRejection"/> naming the attribute or data path.
/// </summary>
internal static class CloudEventMapper
{
    public const string DefaultFlagProvider = "flagd";
    public const string GenericTool = "generic";

    public static InboundEvent FromStructured(JsonElement ce, string prefix)
    {
        var specVersion = JsonRead.String(ce, "specversion", prefix)
            ?? throw IngestRejection.Malformed(JsonPath.Property(prefix, "specversion"), "is missing; every CloudEvent says specversion \"1.0\"");
        if (specVersion != "1.0")
        {
            throw IngestRejection.Malformed(JsonPath.Property(prefix, "specversion"), $"must be \"1.0\"; got \"{RunIdentity.Truncate(specVersion)}\"");
        }

        var id = Required(ce, "id", prefix);
        var source = Required(ce, "source", prefix);
        var type = Required(ce, "type", prefix);
        CheckType(type, JsonPath.Property(prefix, "type"));
        var subject = JsonRead.String(ce, "subject", prefix);
        var timeField = JsonPath.Property(prefix, "time");
        var time = JsonRead.Timestamp(ce, "time", prefix);
        var envelope = new CloudEventEnvelope(id, source, type, subject, time, timeField);

        var contentType = CloudEventsReader.MediaType(JsonRead.String(ce, "datacontenttype", prefix));
        if (!CloudEventsReader.IsJson(contentType))
        {
            throw IngestRejection.Malformed(JsonPath.Property(prefix, "datacontenttype"), $"must be application/json for {type}; got '{RunIdentity.Truncate(contentType!)}'");
        }

        var dataPath = JsonPath.Property(prefix, "data");
        if (ce.TryGetProperty("data", out var data) && data.ValueKind != JsonValueKind.Null)
        {
            if (data.ValueKind == JsonValueKind.String)
            {
                // Some senders put JSON text into data instead of the JSON value; read it as such.
                var bytes = Encoding.UTF8.GetBytes(data.GetString()!);
                using var inner = JsonRead.Parse(bytes, dataPath);
                return MapData(envelope, inner.RootElement, dataPath, ce.GetRawText());
            }

            return MapData(envelope, data, dataPath, ce.GetRawText());
        }

        if (JsonRead.String(ce, "data_base64", prefix) is { } base64)
        {
            var base64Path = JsonPath.Property(prefix, "data_base64");
            byte[] decoded;
            try
            {
                decoded = Convert.FromBase64String(base64);
            }
            catch (FormatException)
            {
                throw IngestRejection.Malformed(base64Path, "is not valid base64");
            }

            using var inner = JsonRead.Parse(decoded, base64Path);
            return MapData(envelope, inner.RootElement, base64Path, ce.GetRawText());
        }

        throw IngestRejection.Malformed(dataPath, $"is missing; a {type} event carries its data as JSON");
    }

    public static InboundEvent FromBinary(WebhookRequest request, string? mediaType)
    {
        var specVersion = Header(request, "ce-specversion");
        if (specVersion != "1.0")
        {
            throw IngestRejection.Malformed("ce-specversion", $"must be \"1.0\"; got \"{RunIdentity.Truncate(specVersion ?? string.Empty)}\"");
        }

        var id = Header(request, "ce-id") ?? throw IngestRejection.Malformed("ce-id", "is missing; a binary-mode CloudEvent carries ce-id, ce-source, ce-type and ce-specversion headers");
        var source = Header(request, "ce-source") ?? throw IngestRejection.Malformed("ce-source", "is missing; a binary-mode CloudEvent carries ce-id, ce-source, ce-type and ce-specversion headers");
        var type = Header(request, "ce-type") ?? throw IngestRejection.Malformed("ce-type", "is missing; a binary-mode CloudEvent carries ce-id, ce-source, ce-type and ce-specversion headers");
        CheckType(type, "ce-type");
        DateTimeOffset? time = null;
        if (Header(request, "ce-time") is { } timeText)
        {
            time = JsonRead.ParseTimestamp(timeText) ?? throw IngestRejection.Malformed("ce-time", "must be an RFC 3339 timestamp such as 2026-11-24T10:00:00Z");
        }

        if (!CloudEventsReader.IsJson(mediaType))
        {
            throw new IngestRejection(new IngestProblem(
                IngestFailure.UnsupportedMediaType,
                "Content-Type",
                $"the data of {type} is JSON; send it as application/json, not '{RunIdentity.Truncate(mediaType!)}'"));
        }

        var envelope = new CloudEventEnvelope(id, source, type, Header(request, "ce-subject"), time, "ce-time");
        using var document = JsonRead.Parse(request.Body, "body");
        return MapData(envelope, document.RootElement, "data", Encoding.UTF8.GetString(request.Body.Span));
    }

    private static InboundEvent MapData(in CloudEventEnvelope ce, JsonElement data, string dataPath, string rawPayload)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            throw IngestRejection.Malformed(dataPath, "must be a JSON object");
        }

        return ce.Type switch
        {
            EventTypes.FlagChanged => FlagChanged(ce, data, dataPath, rawPayload),
            EventTypes.LoadTestFinished => LoadTestFinished(ce, data, dataPath),
            EventTypes.ChaosFinished => ChaosDataMapper.Map(ce, data, dataPath),
            _ => throw new InvalidOperationException("CheckType admits only the inbound types."),
        };
    }

    private static void CheckType(string type, string field)
    {
        if (type is EventTypes.FlagChanged or EventTypes.LoadTestFinished or EventTypes.ChaosFinished)
        {
            return;
        }

        var known = $"{EventTypes.FlagChanged}, {EventTypes.LoadTestFinished}, {EventTypes.ChaosFinished}";
        throw IngestRejection.Malformed(
            field,
            type.StartsWith(EventTypes.Prefix, StringComparison.Ordinal)
                ? $"'{RunIdentity.Truncate(type)}' is not a Release Guardian type this endpoint accepts; it takes {known}"
                : $"'{RunIdentity.Truncate(type)}' is not accepted; this endpoint takes {known}");
    }

    private static FlagChangedEvent FlagChanged(in CloudEventEnvelope ce, JsonElement data, string path, string rawPayload)
    {
        var provider = (JsonRead.String(data, "provider", path) ?? DefaultFlagProvider).Trim().ToLowerInvariant();
        var flagKey = JsonRead.RequireString(data, "flagKey", path, "name the flag that changed");
        var project = JsonRead.String(data, "project", path);
        var environment = JsonRead.String(data, "environment", path);
        var previous = JsonRead.TryGetObject(data, "previous", path, out var previousElement)
            ? ReadState(previousElement, JsonPath.Property(path, "previous"))
            : null;
        var current = ReadState(
            JsonRead.RequireObject(data, "current", path, "give the flag's state after the change: {\"enabled\": true, \"variant\": \"on\"}"),
            JsonPath.Property(path, "current"));
        var actor = JsonRead.String(data, "actor", path);
        var dataChangedAt = JsonRead.Timestamp(data, "changedAt", path);
        var changedAt = dataChangedAt
            ?? ce.Time
            ?? throw IngestRejection.Malformed(JsonPath.Property(path, "changedAt"), "is missing (and the event has no time); say when the flag changed, ISO 8601");

        var refs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (JsonRead.TryGetObject(data, "providerRefs", path, out var refsElement))
        {
            var refsPath = JsonPath.Property(path, "providerRefs");
            foreach (var property in refsElement.EnumerateObject())
            {
                refs[property.Name] = property.Value.ValueKind == JsonValueKind.String
                    ? property.Value.GetString()!
                    : throw IngestRejection.Malformed(JsonPath.Property(refsPath, property.Name), "must be a string");
            }
        }

        var change = new FlagChange(provider, flagKey, project, environment, previous, current, actor, changedAt, ce.Id, rawPayload)
        {
            ProviderRefs = refs,
        };
        return new FlagChangedEvent(ce.Source, ce.Id, changedAt, change) { TimeFromPayload = dataChangedAt is not null || ce.TimeInBody };
    }

    private static FlagState ReadState(JsonElement state, string path)
    {
        var enabled = JsonRead.Boolean(state, "enabled", path);
        string? variant = null;
        if (state.TryGetProperty("variant", out var variantElement))
        {
            variant = variantElement.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => variantElement.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => variantElement.GetRawText(),
                _ => throw IngestRejection.Malformed(JsonPath.Property(path, "variant"), "must be a string (the variant's key)"),
            };
        }

        if (enabled is null && variant is null)
        {
            throw IngestRejection.Malformed(JsonPath.Property(path, "enabled"), "is missing; a flag state says enabled (true/false) and/or the variant it serves");
        }

        return new FlagState(enabled, variant);
    }

    private static LoadTestFinishedEvent LoadTestFinished(in CloudEventEnvelope ce, JsonElement data, string path)
    {
        var guardian = JsonRead.String(data, "guardian", path);
        string? service = null;
        string? flag = null;
        if (guardian is not null)
        {
            if (!GuardianId.IsValid(guardian))
            {
                throw IngestRejection.Malformed(JsonPath.Property(path, "guardian"), $"must match {GuardianId.Pattern}");
            }
        }
        else
        {
            service = JsonRead.String(data, "service", path);
            flag = JsonRead.String(data, "flag", path);
            if (service is null || flag is null)
            {
                throw IngestRejection.Malformed(JsonPath.Property(path, "guardian"), "is missing; name the guardian, or give both service and flag");
            }
        }

        var testId = TestId(data, path);
        var tool = JsonRead.String(data, "tool", path) ?? GenericTool;
        var purposeText = JsonRead.String(data, "purpose", path);
        var purpose = purposeText is null ? RunPurpose.Validation : RunIdentity.ParsePurpose(purposeText, JsonPath.Property(path, "purpose"));
        var start = JsonRead.Timestamp(data, "start", path)
            ?? throw IngestRejection.Malformed(JsonPath.Property(path, "start"), "is missing; give the start of the measured window, ISO 8601");
        var end = JsonRead.Timestamp(data, "end", path)
            ?? throw IngestRejection.Malformed(JsonPath.Property(path, "end"), "is missing; give the end of the measured window, ISO 8601");
        if (end < start)
        {
            throw IngestRejection.Malformed(JsonPath.Property(path, "end"), "is before start");
        }

        IReadOnlyDictionary<string, double>? signals = null;
        if (JsonRead.TryGetObject(data, "signals", path, out var signalsElement))
        {
            var set = new SignalSet();
            var signalsPath = JsonPath.Property(path, "signals");
            foreach (var property in signalsElement.EnumerateObject())
            {
                var signalPath = JsonPath.Property(signalsPath, property.Name);
                var value = JsonRead.NumberValue(property.Value, signalPath, SignalSet.RangeOf(property.Name))
                    ?? throw IngestRejection.Malformed(signalPath, "must be a number");
                set.Set(property.Name, value, signalPath);
            }

            signals = set.ToSignals();
        }

        var result = new LoadTestFinished(guardian, service, flag, testId, tool, purpose, start, end, signals);
        return new LoadTestFinishedEvent(ce.Source, ce.Id, end, result) { TimeFromPayload = true }; // data.end is required
    }

    private static string TestId(JsonElement data, string path)
    {
        if (data.TryGetProperty("testId", out var element) && element.ValueKind == JsonValueKind.Number)
        {
            return element.GetRawText();
        }

        return JsonRead.RequireString(data, "testId", path, "give the load test run's id");
    }

    private static string Required(JsonElement ce, string name, string prefix) =>
        JsonRead.String(ce, name, prefix)
        ?? throw IngestRejection.Malformed(JsonPath.Property(prefix, name), "is missing; every CloudEvent has specversion, id, source and type");

    private static string? Header(WebhookRequest request, string name)
    {
        var value = request.Header(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        // CloudEvents HTTP binding: ce-* header values are percent-encoded outside printable ASCII.
        return value.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(value.Trim()) : value.Trim();
    }
}
