using System.Text;
using System.Text.Json;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Formats;

namespace ReleaseGuardian.Core.Judgement;

/// <summary>
/// Reads and writes the verdict JSON of DESIGN.md §6: <c>status</c>, <c>decision</c>, <c>score</c>,
/// <c>explanation</c> and <c>objectives[]</c> (name, signal, status, value, warning, failure, explanation, plus
/// the evidence: direction, mode, key, weight, statistic, rawValue, requests, baseline, training).
/// </summary>
public static class VerdictJson
{
    /// <summary>Writes the verdict as JSON (indented by default).</summary>
    public static string Serialize(Verdict verdict, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            Write(writer, verdict);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the verdict as a JSON object to an open writer (for embedding in larger documents).</summary>
    public static void Write(Utf8JsonWriter writer, Verdict verdict)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(verdict);
        writer.WriteStartObject();
        writer.WriteString("status", DefinitionNames.Of(verdict.Status));
        writer.WriteString("decision", DefinitionNames.Of(verdict.Decision));
        WriteNullable(writer, "score", verdict.Score);
        writer.WriteString("explanation", verdict.Explanation);
        writer.WriteStartArray("objectives");
        foreach (var o in verdict.Objectives)
        {
            writer.WriteStartObject();
            writer.WriteString("name", o.Name);
            writer.WriteString("signal", o.Signal);
            writer.WriteString("status", DefinitionNames.Of(o.Status));
            WriteNullable(writer, "value", o.Value);
            WriteNullable(writer, "warning", o.Warning);
            WriteNullable(writer, "failure", o.Failure);
            writer.WriteString("explanation", o.Explanation);
            writer.WriteString("direction", DefinitionNames.Of(o.Direction));
            writer.WriteString("mode", DefinitionNames.Of(o.Mode));
            writer.WriteBoolean("key", o.Key);
            writer.WriteNumber("weight", o.Weight);
            writer.WriteString("statistic", DefinitionNames.Of(o.Statistic));
            if (o.RawValue is { } raw)
            {
                writer.WriteNumber("rawValue", raw);
            }

            if (o.Requests is { } requests)
            {
                writer.WriteNumber("requests", requests);
            }

            if (o.Baseline is { } baseline)
            {
                writer.WriteStartObject("baseline");
                writer.WriteNumber("median", baseline.Median);
                writer.WriteNumber("iqr", baseline.Iqr);
                writer.WriteNumber("spread", baseline.Spread);
                writer.WriteString("spreadBasis", BasisName(baseline.SpreadBasis));
                WriteIds(writer, baseline.RunIds);
                writer.WriteEndObject();
            }

            if (o.Training is { } training)
            {
                writer.WriteStartObject("training");
                writer.WriteNumber("count", training.Count);
                writer.WriteNumber("required", training.Required);
                WriteIds(writer, training.RunIds);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Reads a verdict written by <see cref="Serialize"/> (evidence fields are optional); never throws for any input text.</summary>
    public static JsonParseResult<Verdict> Parse(string json)
    {
        var input = new JsonInput();
        using var document = input.Open(json);
        if (document is null)
        {
            return JsonParseResult<Verdict>.From(input, Placeholder);
        }

        var root = document.RootElement;
        if (!input.ExpectObject(root, JsonInput.Root, "a JSON object (the verdict)"))
        {
            return JsonParseResult<Verdict>.From(input, Placeholder);
        }

        var status = input.Enum(root, "status", "", DefinitionNames.Statuses, required: true) ?? ObjectiveStatus.Info;
        var decision = input.Enum(root, "decision", "", DefinitionNames.Decisions, required: true) ?? Decision.Inconclusive;
        var score = input.Number(root, "score", "");
        var explanation = input.String(root, "explanation", "") ?? "";
        var objectives = new List<ObjectiveResult>();
        if (input.Array(root, "objectives", "", required: true) is { } array)
        {
            var index = 0;
            foreach (var element in array.EnumerateArray())
            {
                var path = JsonInput.Index("objectives", index++);
                if (input.ExpectObject(element, path, "an objective result object"))
                {
                    objectives.Add(ReadObjective(input, element, path));
                }
            }
        }

        return JsonParseResult<Verdict>.From(input, new Verdict(status, decision, score, objectives, explanation));
    }

    /// <summary><c>iqr</c>, <c>relativeFloor</c> or <c>absoluteFloor</c>.</summary>
    public static string BasisName(SpreadBasis basis) => basis switch
    {
        SpreadBasis.Iqr => "iqr",
        SpreadBasis.RelativeFloor => "relativeFloor",
        SpreadBasis.AbsoluteFloor => "absoluteFloor",
        _ => basis.ToString(),
    };

    private static readonly Dictionary<string, SpreadBasis> Bases =
        Enum.GetValues<SpreadBasis>().ToDictionary(BasisName, b => b, StringComparer.OrdinalIgnoreCase);

    private static ObjectiveResult ReadObjective(JsonInput input, JsonElement element, string path)
    {
        var name = input.String(element, "name", path, required: true) ?? "";
        var signal = input.String(element, "signal", path) ?? "";
        var status = input.Enum(element, "status", path, DefinitionNames.Statuses, required: true) ?? ObjectiveStatus.Info;
        var value = input.Number(element, "value", path);
        var warning = input.Number(element, "warning", path);
        var failure = input.Number(element, "failure", path);
        var explanation = input.String(element, "explanation", path) ?? "";
        return new ObjectiveResult(name, signal, status, value, warning, failure, explanation)
        {
            Direction = input.Enum(element, "direction", path, DefinitionNames.Directions) ?? Direction.LowerIsBetter,
            Mode = input.Enum(element, "mode", path, DefinitionNames.Modes) ?? ThresholdMode.None,
            Key = input.Boolean(element, "key", path) ?? false,
            Weight = input.Number(element, "weight", path) ?? 1,
            Statistic = input.Enum(element, "statistic", path, DefinitionNames.Statistics) ?? ObjectiveStatistic.Value,
            RawValue = input.Number(element, "rawValue", path),
            Requests = input.Number(element, "requests", path),
            Baseline = ReadBaseline(input, element, path),
            Training = ReadTraining(input, element, path),
        };
    }

    private static BaselineEvidence? ReadBaseline(JsonInput input, JsonElement objective, string objectivePath)
    {
        if (input.Object(objective, "baseline", objectivePath) is not { } element)
        {
            return null;
        }

        var path = JsonInput.Child(objectivePath, "baseline");
        return new BaselineEvidence(
            input.Number(element, "median", path, required: true) ?? 0,
            input.Number(element, "iqr", path) ?? 0,
            input.Number(element, "spread", path, required: true) ?? 0,
            input.Enum(element, "spreadBasis", path, Bases) ?? SpreadBasis.Iqr,
            ReadIds(input, element, path));
    }

    private static TrainingProgress? ReadTraining(JsonInput input, JsonElement objective, string objectivePath)
    {
        if (input.Object(objective, "training", objectivePath) is not { } element)
        {
            return null;
        }

        var path = JsonInput.Child(objectivePath, "training");
        return new TrainingProgress(
            (int)Math.Clamp(input.Integer(element, "count", path) ?? 0, 0, int.MaxValue),
            (int)Math.Clamp(input.Integer(element, "required", path) ?? 0, 0, int.MaxValue),
            ReadIds(input, element, path));
    }

    private static List<string> ReadIds(JsonInput input, JsonElement element, string path)
    {
        var ids = new List<string>();
        if (input.Array(element, "runs", path) is not { } array)
        {
            return ids;
        }

        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            var itemPath = JsonInput.Index(JsonInput.Child(path, "runs"), index++);
            if (item.ValueKind == JsonValueKind.String)
            {
                ids.Add(item.GetString()!);
            }
            else
            {
                input.Error(itemPath, $"must be a run id string, not {JsonInput.Describe(item)}");
            }
        }

        return ids;
    }

    private static void WriteIds(Utf8JsonWriter writer, IReadOnlyList<string> ids)
    {
        writer.WriteStartArray("runs");
        foreach (var id in ids)
        {
            writer.WriteStringValue(id);
        }

        writer.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static Verdict Placeholder { get; } = new(ObjectiveStatus.Info, Decision.Inconclusive, null, [], "");
}
