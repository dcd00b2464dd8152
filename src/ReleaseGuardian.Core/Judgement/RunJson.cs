using System.Globalization;
using System.Text;
using System.Text.Json;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Formats;
using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Core.Judgement;

/// <summary>
/// Reads and writes runs and run histories (DESIGN.md §6):
/// <c>{ "id", "purpose"?, "window"?: { "start", "end" }, "signals": { name: number } }</c>; a history is a JSON
/// array of runs, oldest first, each with <c>"status"</c> and <c>"invalidated"</c>.
/// </summary>
public static class RunJson
{
    /// <summary>Reads one run. <c>purpose</c> defaults to validation; a null signal value counts as not measured.</summary>
    public static JsonParseResult<Run> ParseRun(string json)
    {
        var input = new JsonInput();
        using var document = input.Open(json);
        if (document is null)
        {
            return JsonParseResult<Run>.From(input, Placeholder);
        }

        var run = ReadRun(input, document.RootElement, JsonInput.Root);
        return JsonParseResult<Run>.From(input, run);
    }

    /// <summary>Reads a history: a JSON array of runs in chronological order (oldest first), each with its verdict status.</summary>
    public static JsonParseResult<IReadOnlyList<HistoricalRun>> ParseHistory(string json)
    {
        var input = new JsonInput();
        using var document = input.Open(json);
        if (document is null)
        {
            return JsonParseResult<IReadOnlyList<HistoricalRun>>.From(input, []);
        }

        var root = document.RootElement;
        var history = new List<HistoricalRun>();
        if (root.ValueKind != JsonValueKind.Array)
        {
            input.Error(JsonInput.Root, $"must be a JSON array of runs (oldest first), not {JsonInput.Describe(root)}");
            return JsonParseResult<IReadOnlyList<HistoricalRun>>.From(input, history);
        }

        var index = 0;
        foreach (var element in root.EnumerateArray())
        {
            var path = JsonInput.Index(JsonInput.Root, index++);
            var run = ReadRun(input, element, path);
            if (element.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var status = input.Enum(element, "status", path, DefinitionNames.Statuses, required: true) ?? ObjectiveStatus.Info;
            var invalidated = input.Boolean(element, "invalidated", path) ?? false;
            history.Add(new HistoricalRun(run, status, invalidated));
        }

        return JsonParseResult<IReadOnlyList<HistoricalRun>>.From(input, history);
    }

    /// <summary>Writes one run as indented JSON.</summary>
    public static string Serialize(Run run) => Write(writer => WriteRun(writer, run, null));

    /// <summary>Writes a history (oldest first) as an indented JSON array.</summary>
    public static string SerializeHistory(IEnumerable<HistoricalRun> history) => Write(writer =>
    {
        writer.WriteStartArray();
        foreach (var entry in history)
        {
            WriteRun(writer, entry.Run, entry);
        }

        writer.WriteEndArray();
    });

    /// <summary>Writes one run as a JSON object to an open writer.</summary>
    public static void WriteRun(Utf8JsonWriter writer, Run run) => WriteRun(writer, run, null);

    internal static Run ReadRun(JsonInput input, JsonElement element, string path)
    {
        if (!input.ExpectObject(element, path, "a run object"))
        {
            return Placeholder;
        }

        var id = input.String(element, "id", path, required: true);
        if (id is not null && string.IsNullOrWhiteSpace(id))
        {
            input.Error(JsonInput.Child(path, "id"), "must not be empty");
        }

        var purpose = input.Enum(element, "purpose", path, DefinitionNames.Purposes) ?? RunPurpose.Validation;
        var window = ReadWindow(input, element, path);
        var signals = new Dictionary<string, double>(StringComparer.Ordinal);
        if (input.Object(element, "signals", path, required: true) is { } signalsElement)
        {
            var signalsPath = JsonInput.Child(path, "signals");
            foreach (var property in signalsElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                if (input.Number(property.Value, JsonInput.Child(signalsPath, property.Name)) is { } value)
                {
                    signals[property.Name] = value;
                }
            }
        }

        return new Run(id ?? "", purpose, window, signals);
    }

    private static RunWindow? ReadWindow(JsonInput input, JsonElement run, string runPath)
    {
        if (input.Object(run, "window", runPath) is not { } window)
        {
            return null;
        }

        var path = JsonInput.Child(runPath, "window");
        var start = ReadTime(input, window, "start", path);
        var end = ReadTime(input, window, "end", path);
        if (start is null || end is null)
        {
            return null;
        }

        if (end < start)
        {
            input.Error(JsonInput.Child(path, "end"), "must not be before start");
        }

        return new RunWindow(start.Value, end.Value);
    }

    private static DateTimeOffset? ReadTime(JsonInput input, JsonElement window, string name, string path)
    {
        var text = input.String(window, name, path, required: true);
        if (text is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        input.Error(JsonInput.Child(path, name), $"must be an ISO 8601 time such as 2026-11-24T10:00:00Z, not '{text}'");
        return null;
    }

    private static void WriteRun(Utf8JsonWriter writer, Run run, HistoricalRun? entry)
    {
        writer.WriteStartObject();
        writer.WriteString("id", run.Id);
        writer.WriteString("purpose", DefinitionNames.Of(run.Purpose));
        if (run.Window is { } window)
        {
            writer.WriteStartObject("window");
            writer.WriteString("start", window.Start.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("end", window.End.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }

        writer.WriteStartObject("signals");
        foreach (var (name, value) in run.Signals)
        {
            writer.WriteNumber(name, value);
        }

        writer.WriteEndObject();
        if (entry is not null)
        {
            writer.WriteString("status", DefinitionNames.Of(entry.Status));
            writer.WriteBoolean("invalidated", entry.Invalidated);
        }

        writer.WriteEndObject();
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static Run Placeholder { get; } = new("", RunPurpose.Validation, null, new Dictionary<string, double>());
}
