using System.Globalization;
using System.Text.Json;

namespace ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

/// <summary>What range a number read from a document must fall in.</summary>
internal enum NumberRange
{
    /// <summary>Any finite number.</summary>
    Finite,

    /// <summary>A count, a latency or a rate per second: finite and not negative.</summary>
    NonNegative,

    /// <summary>A fraction 0..1, e.g. k6's <c>http_req_failed.values.rate</c>.</summary>
    Fraction,

    /// <summary>A percentage 0..100, e.g. JMeter's <c>errorPct</c>.</summary>
    Percent,
}

/// <summary>
/// Typed look-ups on a <see cref="JsonElement"/> that reject a wrong type or a bad number with a problem
/// naming the JSON path. Absent and <c>null</c> are the same thing: "not given".
/// </summary>
internal static class JsonRead
{
    /// <summary>Nesting limit for every inbound document (DESIGN: deep nesting is an attack, not a payload).</summary>
    public const int MaxDepth = 64;

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    public static JsonDocument Parse(ReadOnlyMemory<byte> body, string field)
    {
        var span = body.Span;
        if (span.StartsWith("\uFEFF"u8))
        {
            body = body[3..];
        }

        if (body.IsEmpty)
        {
            throw IngestRejection.Malformed(field, "is empty; expected a JSON document");
        }

        // JsonDocument does not check the bytes inside strings until they are read; invalid UTF-8 there would
        // surface as an InvalidOperationException (a 500) in whichever mapper reads the string first.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            throw IngestRejection.Malformed(field, "is not valid UTF-8; send JSON encoded as UTF-8");
        }

        try
        {
            return JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line
                ? $" (line {line + 1}, byte {(e.BytePositionInLine ?? 0) + 1})"
                : string.Empty;
            throw IngestRejection.Malformed(field, $"is not valid JSON or nests deeper than {MaxDepth} levels{where}");
        }
    }

    public static JsonElement RequireRootObject(JsonElement root, string what)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw IngestRejection.Malformed("$", $"must be a JSON object ({what})");
        }

        return root;
    }

    public static bool TryGetObject(JsonElement parent, string name, string parentPath, out JsonElement value)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out value) || value.ValueKind == JsonValueKind.Null)
        {
            value = default;
            return false;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw IngestRejection.Malformed(JsonPath.Property(parentPath, name), "must be an object");
        }

        return true;
    }

    public static JsonElement RequireObject(JsonElement parent, string name, string parentPath, string hint)
    {
        if (!TryGetObject(parent, name, parentPath, out var value))
        {
            throw IngestRejection.Malformed(JsonPath.Property(parentPath, name), "is missing; " + hint);
        }

        return value;
    }

    public static bool TryGetArray(JsonElement parent, string name, string parentPath, out JsonElement value)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out value) || value.ValueKind == JsonValueKind.Null)
        {
            value = default;
            return false;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw IngestRejection.Malformed(JsonPath.Property(parentPath, name), "must be an array");
        }

        return true;
    }

    /// <summary>
    /// A number, or a string holding one (Gatling writes <c>"total": "388"</c>); <c>"-"</c>, empty and null
    /// mean "not given". Anything else, or a number outside <paramref name="range"/>, is rejected.
    /// </summary>
    public static double? Number(JsonElement parent, string name, string parentPath, NumberRange range)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value))
        {
            return null;
        }

        return NumberValue(value, JsonPath.Property(parentPath, name), range);
    }

    public static double? NumberValue(JsonElement value, string path, NumberRange range)
    {
        double number;
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.Number:
                if (!value.TryGetDouble(out number))
                {
                    throw IngestRejection.Malformed(path, "is not a finite number");
                }

                break;
            case JsonValueKind.String:
                var text = value.GetString()!.Trim();
                if (text.Length == 0 || text == "-")
                {
                    return null;
                }

                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number))
                {
                    throw IngestRejection.Malformed(path, "must be a number");
                }

                break;
            default:
                throw IngestRejection.Malformed(path, "must be a number");
        }

        Check(number, path, range);
        return number;
    }

    public static void Check(double number, string path, NumberRange range)
    {
        if (!double.IsFinite(number))
        {
            throw IngestRejection.Malformed(path, "is not a finite number (NaN or infinity)");
        }

        switch (range)
        {
            case NumberRange.NonNegative when number < 0:
                throw IngestRejection.Malformed(path, $"must not be negative; got {Format(number)}");
            case NumberRange.Fraction when number is < 0 or > 1:
                throw IngestRejection.Malformed(path, $"must be a fraction between 0 and 1; got {Format(number)}");
            case NumberRange.Percent when number is < 0 or > 100:
                throw IngestRejection.Malformed(path, $"must be a percentage between 0 and 100; got {Format(number)}");
        }
    }

    public static string? String(JsonElement parent, string name, string parentPath)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw IngestRejection.Malformed(JsonPath.Property(parentPath, name), "must be a string");
        }

        var text = value.GetString()!;
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    public static string RequireString(JsonElement parent, string name, string parentPath, string hint)
    {
        return String(parent, name, parentPath)
            ?? throw IngestRejection.Malformed(JsonPath.Property(parentPath, name), "is missing; " + hint);
    }

    public static bool? Boolean(JsonElement parent, string name, string parentPath)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw IngestRejection.Malformed(JsonPath.Property(parentPath, name), "must be true or false"),
        };
    }

    /// <summary>An ISO 8601 / RFC 3339 timestamp string, or null when absent.</summary>
    public static DateTimeOffset? Timestamp(JsonElement parent, string name, string parentPath)
    {
        var text = String(parent, name, parentPath);
        if (text is null)
        {
            return null;
        }

        return ParseTimestamp(text)
            ?? throw IngestRejection.Malformed(JsonPath.Property(parentPath, name), "must be an ISO 8601 timestamp such as 2026-11-24T10:00:00Z");
    }

    /// <summary>Parses ISO 8601 (<c>2026-11-24T10:00:00Z</c>, with fractions or an offset); a time without an offset is UTC.</summary>
    public static DateTimeOffset? ParseTimestamp(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length < 10 || !char.IsAsciiDigit(trimmed[0]) || !char.IsAsciiDigit(trimmed[3]) || trimmed[4] != '-')
        {
            return null;
        }

        return DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : null;
    }

    /// <summary>A Unix timestamp in seconds (Locust) or milliseconds (Artillery), or null when absent.</summary>
    public static DateTimeOffset? UnixTime(JsonElement parent, string name, string parentPath, bool milliseconds)
    {
        var value = Number(parent, name, parentPath, NumberRange.NonNegative);
        if (value is not { } number)
        {
            return null;
        }

        var ms = milliseconds ? number : number * 1000.0;
        if (ms > 253402300799999.0)
        {
            throw IngestRejection.Malformed(JsonPath.Property(parentPath, name), "is not a plausible Unix timestamp");
        }

        return DateTimeOffset.UnixEpoch.AddMilliseconds(ms);
    }

    public static string Format(double number) => number.ToString("R", CultureInfo.InvariantCulture);
}
