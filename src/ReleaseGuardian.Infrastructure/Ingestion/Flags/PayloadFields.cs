using System.Globalization;
using System.Text.Json;

namespace ReleaseGuardian.Infrastructure.Ingestion.Flags;

/// <summary>
/// Typed reads of <see cref="JsonElement"/> fields that report the JSON path of whatever is missing or
/// mistyped, so every adapter's 400s name the field the same way (<c>data.new_state.enabled</c>,
/// <c>accesses[0].resource</c>).
/// </summary>
internal static class PayloadFields
{
    private const long MinUnixMilliseconds = -62_135_596_800_000;
    private const long MaxUnixMilliseconds = 253_402_300_799_999;

    public static string Path(string parent, string name) => parent.Length == 0 ? name : parent + "." + name;

    public static string Index(string parent, int index) => parent + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>The named property of an object, or false when absent or null.</summary>
    public static bool TryGet(JsonElement parent, string name, out JsonElement value)
    {
        if (parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }

    public static JsonElement RequireObject(JsonElement parent, string name, string parentPath)
    {
        var path = Path(parentPath, name);
        if (!TryGet(parent, name, out var value))
        {
            throw Missing(path);
        }

        return ExpectKind(value, JsonValueKind.Object, path);
    }

    public static JsonElement? OptionalObject(JsonElement parent, string name, string parentPath) =>
        TryGet(parent, name, out var value) ? ExpectKind(value, JsonValueKind.Object, Path(parentPath, name)) : null;

    public static JsonElement RequireArray(JsonElement parent, string name, string parentPath)
    {
        var path = Path(parentPath, name);
        if (!TryGet(parent, name, out var value))
        {
            throw Missing(path);
        }

        return ExpectKind(value, JsonValueKind.Array, path);
    }

    public static string RequireString(JsonElement parent, string name, string parentPath)
    {
        var path = Path(parentPath, name);
        var text = OptionalString(parent, name, parentPath);
        return string.IsNullOrWhiteSpace(text) ? throw Missing(path) : text;
    }

    public static string? OptionalString(JsonElement parent, string name, string parentPath)
    {
        if (!TryGet(parent, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new MalformedPayloadException(Path(parentPath, name), $"must be a string, not {Describe(value.ValueKind)}");
    }

    /// <summary>A string or number (providers disagree on whether ids are numeric) as invariant text.</summary>
    public static string? OptionalIdentifier(JsonElement parent, string name, string parentPath)
    {
        if (!TryGet(parent, name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => throw new MalformedPayloadException(Path(parentPath, name), $"must be a string or a number, not {Describe(value.ValueKind)}"),
        };
    }

    public static string RequireIdentifier(JsonElement parent, string name, string parentPath)
    {
        var text = OptionalIdentifier(parent, name, parentPath);
        return string.IsNullOrWhiteSpace(text) ? throw Missing(Path(parentPath, name)) : text;
    }

    public static bool? OptionalBool(JsonElement parent, string name, string parentPath)
    {
        if (!TryGet(parent, name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new MalformedPayloadException(Path(parentPath, name), $"must be a boolean, not {Describe(value.ValueKind)}"),
        };
    }

    public static long? OptionalInt64(JsonElement parent, string name, string parentPath)
    {
        if (!TryGet(parent, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw new MalformedPayloadException(Path(parentPath, name), $"must be an integer, not {Describe(value.ValueKind)}");
    }

    /// <summary>A scalar rendered as the text a flag serves (variant, default value); objects and arrays as compact JSON.</summary>
    public static string? ScalarText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number or JsonValueKind.Object or JsonValueKind.Array => value.GetRawText(),
        _ => null,
    };

    public static DateTimeOffset FromUnixMilliseconds(long milliseconds, string path) =>
        milliseconds is < MinUnixMilliseconds or > MaxUnixMilliseconds
            ? throw new MalformedPayloadException(path, "is not a representable epoch-milliseconds time")
            : DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    /// <summary>An ISO 8601 time; values without an offset are taken as UTC.</summary>
    public static DateTimeOffset? OptionalTimestamp(JsonElement parent, string name, string parentPath)
    {
        var text = OptionalString(parent, name, parentPath);
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new MalformedPayloadException(Path(parentPath, name), "must be an ISO 8601 date and time");
    }

    /// <summary>Enabled from a JSON boolean-ish scalar ("true"/"false" strings included); null otherwise.</summary>
    public static bool? AsBoolean(string? text) => text switch
    {
        "true" or "True" or "TRUE" => true,
        "false" or "False" or "FALSE" => false,
        _ => null,
    };

    /// <summary>Adds a provider reference when it has a value; absent ids are simply not listed.</summary>
    public static void AddRef(Dictionary<string, string> refs, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            refs[key] = value;
        }
    }

    public static MalformedPayloadException Missing(string path) => new(path, "is required");

    private static JsonElement ExpectKind(JsonElement value, JsonValueKind kind, string path) =>
        value.ValueKind == kind
            ? value
            : throw new MalformedPayloadException(path, $"must be {Describe(kind)}, not {Describe(value.ValueKind)}");
}
