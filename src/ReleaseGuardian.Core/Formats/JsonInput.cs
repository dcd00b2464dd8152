using System.Globalization;
using System.Text.Json;

namespace ReleaseGuardian.Core.Formats;

/// <summary>
/// Reads the public JSON formats (DESIGN.md §6) field by field and collects every problem with the JSON
/// path of the field it concerns, instead of stopping at the first one.
/// </summary>
/// <remarks>
/// JSON <c>null</c> is treated as an absent field, so optional fields may be written as null. Paths use
/// dots for properties and brackets for indexes (<c>objectives[2].thresholds.failure</c>); a property name
/// that is not a plain identifier is quoted (<c>signals["latency.p95"]</c>). The root itself is <c>$</c>.
/// </remarks>
internal sealed class JsonInput
{
    /// <summary>The path of the document root.</summary>
    public const string Root = "$";

    private readonly List<(string Path, string Message)> _errors = [];
    private readonly HashSet<string> _brokenPaths = new(StringComparer.Ordinal);

    public IReadOnlyList<(string Path, string Message)> Errors => _errors;

    /// <summary>Paths whose value could not be read; checks that depend on them are skipped.</summary>
    public IReadOnlySet<string> BrokenPaths => _brokenPaths;

    public bool HasErrors => _errors.Count > 0;

    public void Error(string path, string message)
    {
        _errors.Add((path, message));
        _brokenPaths.Add(path);
    }

    /// <summary>Parses the text; a syntax error is reported at <c>$</c> with its line and position.</summary>
    public JsonDocument? Open(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            Error(Root, "is empty: expected a JSON document");
            return null;
        }

        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            var line = (ex.LineNumber ?? 0) + 1;
            var position = (ex.BytePositionInLine ?? 0) + 1;
            Error(Root, $"malformed JSON at line {line}, position {position}: {FirstSentence(ex.Message)}");
            return null;
        }
    }

    public static string Child(string parent, string name)
    {
        var plain = name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        if (!plain)
        {
            return (parent == Root ? "$" : parent) + "[" + JsonSerializerEscaped(name) + "]";
        }

        return parent.Length == 0 || parent == Root ? name : parent + "." + name;
    }

    public static string Index(string parent, int index) =>
        (parent.Length == 0 ? Root : parent) + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    /// <summary>The property's value, or null when it is absent or JSON null.</summary>
    public static JsonElement? Property(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public bool ExpectObject(JsonElement element, string path, string what = "a JSON object")
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            return true;
        }

        Error(path, $"must be {what}, not {Describe(element)}");
        return false;
    }

    /// <summary>The property <paramref name="name"/> of <paramref name="obj"/> with its path; absent is reported only when required.</summary>
    private JsonElement? Present(JsonElement obj, string name, string parentPath, bool required, out string path)
    {
        path = Child(parentPath, name);
        var value = Property(obj, name);
        if (value is null && required)
        {
            Error(path, "is required");
        }

        return value;
    }

    public string? String(JsonElement obj, string name, string parentPath, bool required = false)
    {
        if (Present(obj, name, parentPath, required, out var path) is not { } found)
        {
            return null;
        }

        if (found.ValueKind != JsonValueKind.String)
        {
            Error(path, $"must be a string, not {Describe(found)}");
            return null;
        }

        return found.GetString();
    }

    public double? Number(JsonElement obj, string name, string parentPath, bool required = false)
    {
        if (Present(obj, name, parentPath, required, out var path) is not { } found)
        {
            return null;
        }

        return Number(found, path);
    }

    public double? Number(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            Error(path, $"must be a number, not {Describe(value)}");
            return null;
        }

        if (!value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            Error(path, "must be a finite number");
            return null;
        }

        return number;
    }

    public long? Integer(JsonElement obj, string name, string parentPath)
    {
        if (Present(obj, name, parentPath, required: false, out var path) is not { } found)
        {
            return null;
        }

        if (found.ValueKind != JsonValueKind.Number)
        {
            Error(path, $"must be an integer, not {Describe(found)}");
            return null;
        }

        if (found.TryGetInt64(out var integer))
        {
            return integer;
        }

        if (found.TryGetDouble(out var number) && Math.Abs(number) < 9e15 && number == Math.Floor(number))
        {
            return (long)number;
        }

        Error(path, "must be a whole number");
        return null;
    }

    public bool? Boolean(JsonElement obj, string name, string parentPath)
    {
        if (Present(obj, name, parentPath, required: false, out var path) is not { } found)
        {
            return null;
        }

        if (found.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return found.GetBoolean();
        }

        Error(path, $"must be true or false, not {Describe(found)}");
        return null;
    }

    public JsonElement? Object(JsonElement obj, string name, string parentPath, bool required = false)
    {
        if (Present(obj, name, parentPath, required, out var path) is not { } found)
        {
            return null;
        }

        return ExpectObject(found, path) ? found : null;
    }

    public JsonElement? Array(JsonElement obj, string name, string parentPath, bool required = false)
    {
        if (Present(obj, name, parentPath, required, out var path) is not { } found)
        {
            return null;
        }

        if (found.ValueKind != JsonValueKind.Array)
        {
            Error(path, $"must be an array, not {Describe(found)}");
            return null;
        }

        return found;
    }

    /// <summary>Reads an object of string values (query overrides, provider settings).</summary>
    public Dictionary<string, string> StringMap(JsonElement obj, string name, string parentPath)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var element = Object(obj, name, parentPath);
        if (element is null)
        {
            return map;
        }

        var path = Child(parentPath, name);
        foreach (var property in element.Value.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String)
            {
                map[property.Name] = property.Value.GetString()!;
            }
            else if (property.Value.ValueKind != JsonValueKind.Null)
            {
                Error(Child(path, property.Name), $"must be a string, not {Describe(property.Value)}");
            }
        }

        return map;
    }

    /// <summary>Reads a camelCase enum name (case-insensitive); an unknown name is reported with the choices.</summary>
    public T? Enum<T>(JsonElement obj, string name, string parentPath, IReadOnlyDictionary<string, T> names, bool required = false)
        where T : struct
    {
        var path = Child(parentPath, name);
        var text = String(obj, name, parentPath, required);
        if (text is null)
        {
            return null;
        }

        if (names.TryGetValue(text, out var value))
        {
            return value;
        }

        Error(path, $"must be {Choices(names.Keys)}, not '{text}'");
        return null;
    }

    public static string Choices(IEnumerable<string> choices)
    {
        var list = choices.ToList();
        return list.Count switch
        {
            0 => "nothing",
            1 => list[0],
            _ => string.Join(", ", list.Take(list.Count - 1)) + " or " + list[^1],
        };
    }

    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>True when <paramref name="path"/> is, or lies under, one of <paramref name="broken"/>.</summary>
    public static bool IsUnder(string path, IReadOnlySet<string> broken)
    {
        if (broken.Count == 0)
        {
            return false;
        }

        if (broken.Contains(path))
        {
            return true;
        }

        foreach (var b in broken)
        {
            if (path.Length > b.Length && path.StartsWith(b, StringComparison.Ordinal) && path[b.Length] is '.' or '[')
            {
                return true;
            }
        }

        return false;
    }

    private static string JsonSerializerEscaped(string name) =>
        "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string FirstSentence(string message)
    {
        foreach (var marker in new[] { " LineNumber:", " Path:" })
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
        }

        return message.Trim();
    }
}
