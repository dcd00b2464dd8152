using System.Text;
using System.Text.Json;
using ReleaseGuardian.Core.Formats;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Core.Definitions;

/// <summary>
/// Reads and writes the guardian definition JSON of DESIGN.md §6. Reading walks the document by hand so that
/// every problem is reported, each with the exact JSON path of its field.
/// </summary>
public static class GuardianDefinitionJson
{
    /// <summary>
    /// Reads a definition and fills in the defaults: displayName and service = id, metrics loadtest,
    /// training 5/30, weight 1, key false, statistic value, rollbackOn [nogo], no notify targets; adaptive
    /// thresholds get kw 1.5, kf 3, relFloor 0.05 and absFloor 0.005 for errors.rate (0 otherwise).
    /// </summary>
    /// <returns>The definition, or every problem found in document order (never throws for any input text).</returns>
    public static DefinitionParseResult Parse(string json)
    {
        var input = new JsonInput();
        using var document = input.Open(json);
        if (document is null)
        {
            return Invalid(input, []);
        }

        var root = document.RootElement;
        if (!input.ExpectObject(root, JsonInput.Root, "a JSON object (the guardian definition)"))
        {
            return Invalid(input, []);
        }

        var id = input.String(root, "id", "", required: true) ?? "";
        // Without a usable id the defaults get a stand-in, so only the id itself is reported.
        var fallback = string.IsNullOrWhiteSpace(id) ? "guardian" : id;
        var displayName = input.String(root, "displayName", "") ?? fallback;
        var service = input.String(root, "service", "") ?? fallback;
        var flag = ReadFlag(input, root);
        var metrics = ReadMetrics(input, root);
        var training = ReadTraining(input, root);
        var objectives = ReadObjectives(input, root);
        var policy = ReadPolicy(input, root);

        var loadTest = ReadLoadTest(input, root);
        var definition = new GuardianDefinition(id, displayName, service, flag, metrics, training, objectives, policy) { LoadTest = loadTest };
        var semantic = GuardianDefinitionValidator.Validate(definition, input.BrokenPaths);
        return input.HasErrors || semantic.Count > 0 ? Invalid(input, semantic) : DefinitionParseResult.Valid(definition);
    }

    /// <summary>Writes the §6 shape (camelCase, enum names as in the contract), indented; <see cref="Parse"/> reads it back unchanged.</summary>
    public static string Serialize(GuardianDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            Write(writer, definition);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the definition as a JSON object to an open writer (for embedding in larger documents).</summary>
    public static void Write(Utf8JsonWriter writer, GuardianDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(definition);
        writer.WriteStartObject();
        writer.WriteString("id", definition.Id);
        writer.WriteString("displayName", definition.DisplayName);
        writer.WriteString("service", definition.Service);
        if (definition.Flag is { } flag)
        {
            writer.WriteStartObject("flag");
            writer.WriteString("provider", flag.Provider);
            writer.WriteString("key", flag.Key);
            WriteOptional(writer, "project", flag.Project);
            WriteOptional(writer, "environment", flag.Environment);
            WriteMap(writer, "settings", flag.Settings);
            writer.WriteEndObject();
        }

        var metrics = definition.Metrics;
        writer.WriteStartObject("metrics");
        writer.WriteString("source", metrics.Source);
        WriteOptional(writer, "url", metrics.Url);
        WriteOptional(writer, "workspaceId", metrics.WorkspaceId);
        WriteOptional(writer, "table", metrics.Table);
        WriteOptional(writer, "roleName", metrics.RoleName);
        WriteOptional(writer, "timeoutSeconds", metrics.TimeoutSeconds);
        WriteMap(writer, "queries", metrics.Queries);
        writer.WriteEndObject();

        if (definition.LoadTest is { } loadTest)
        {
            writer.WriteStartObject("loadTest");
            writer.WriteString("launcher", loadTest.Launcher);
            WriteOptional(writer, "url", loadTest.Url);
            WriteOptional(writer, "tool", loadTest.Tool);
            WriteOptional(writer, "endpoint", loadTest.Endpoint);
            WriteOptional(writer, "testId", loadTest.TestId);
            writer.WriteEndObject();
        }

        writer.WriteStartObject("training");
        writer.WriteNumber("minRuns", definition.Training.MinRuns);
        writer.WriteNumber("maxRuns", definition.Training.MaxRuns);
        writer.WriteEndObject();

        writer.WriteStartArray("objectives");
        foreach (var objective in definition.Objectives)
        {
            writer.WriteStartObject();
            writer.WriteString("name", objective.Name);
            writer.WriteString("signal", objective.Signal);
            writer.WriteString("direction", DefinitionNames.Of(objective.Direction));
            var t = objective.Thresholds;
            writer.WriteStartObject("thresholds");
            writer.WriteString("mode", DefinitionNames.Of(t.Mode));
            WriteOptional(writer, "warning", t.Warning);
            WriteOptional(writer, "failure", t.Failure);
            WriteOptional(writer, "kw", t.Kw);
            WriteOptional(writer, "kf", t.Kf);
            WriteOptional(writer, "relFloor", t.RelFloor);
            WriteOptional(writer, "absFloor", t.AbsFloor);
            writer.WriteEndObject();
            writer.WriteNumber("weight", objective.Weight);
            writer.WriteBoolean("key", objective.Key);
            if (objective.MinRequests is { } minRequests)
            {
                writer.WriteNumber("minRequests", minRequests);
            }

            if (objective.Statistic != ObjectiveStatistic.Value)
            {
                writer.WriteString("statistic", DefinitionNames.Of(objective.Statistic));
            }

            WriteOptional(writer, "query", objective.Query);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        writer.WriteStartObject("policy");
        writer.WriteStartArray("rollbackOn");
        foreach (var decision in definition.Policy.RollbackOn)
        {
            writer.WriteStringValue(DefinitionNames.Of(decision));
        }

        writer.WriteEndArray();
        writer.WriteStartArray("notify");
        foreach (var target in definition.Policy.Notify)
        {
            writer.WriteStartObject();
            writer.WriteString("type", target.Type);
            writer.WriteString("url", target.Url);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static DefinitionParseResult Invalid(JsonInput input, IReadOnlyList<DefinitionError> semantic) =>
        DefinitionParseResult.Invalid(
        [
            .. input.Errors.Select(e => new DefinitionError(e.Path, e.Message)).Concat(semantic)
                .OrderBy(e => e.Path, DefinitionPathOrder.Instance),
        ]);

    private static FlagBinding? ReadFlag(JsonInput input, JsonElement root)
    {
        if (input.Object(root, "flag", "") is not { } flag)
        {
            return null;
        }

        var provider = input.String(flag, "provider", "flag", required: true) ?? "";
        var key = input.String(flag, "key", "flag", required: true) ?? "";
        return new FlagBinding(provider, key, input.String(flag, "project", "flag"), input.String(flag, "environment", "flag"))
        {
            Settings = input.StringMap(flag, "settings", "flag"),
        };
    }

    private static MetricsSourceSpec ReadMetrics(JsonInput input, JsonElement root)
    {
        if (input.Object(root, "metrics", "") is not { } metrics)
        {
            return MetricsSourceSpec.LoadTest;
        }

        const string path = "metrics";
        var source = input.String(metrics, "source", path) ?? MetricsSources.LoadTest;
        var timeout = input.Number(metrics, "timeoutSeconds", path);
        return new MetricsSourceSpec(
            source,
            input.String(metrics, "url", path),
            input.String(metrics, "workspaceId", path),
            input.String(metrics, "table", path),
            input.String(metrics, "roleName", path),
            timeout)
        {
            Queries = input.StringMap(metrics, "queries", path),
        };
    }

    private static LoadTestSpec? ReadLoadTest(JsonInput input, JsonElement root)
    {
        if (input.Object(root, "loadTest", "") is not { } loadTest)
        {
            return null;
        }

        const string path = "loadTest";
        return new LoadTestSpec(
            input.String(loadTest, "launcher", path, required: true) ?? "",
            input.String(loadTest, "url", path),
            input.String(loadTest, "tool", path),
            input.String(loadTest, "endpoint", path),
            input.String(loadTest, "testId", path));
    }

    private static TrainingSettings ReadTraining(JsonInput input, JsonElement root)
    {
        if (input.Object(root, "training", "") is not { } training)
        {
            return TrainingSettings.Default;
        }

        var minRuns = input.Integer(training, "minRuns", "training");
        var maxRuns = input.Integer(training, "maxRuns", "training");

        // A broken minRuns is replaced by 1 so that it cannot make a sound maxRuns look wrong.
        var min = minRuns is null ? (JsonInput.Property(training, "minRuns") is null ? TrainingSettings.Default.MinRuns : 1) : Clamp(minRuns.Value);
        var max = maxRuns is null ? Math.Max(min, TrainingSettings.Default.MaxRuns) : Clamp(maxRuns.Value);
        return new TrainingSettings(min, max);

        static int Clamp(long value) => (int)Math.Clamp(value, int.MinValue, int.MaxValue);
    }

    private static List<Objective> ReadObjectives(JsonInput input, JsonElement root)
    {
        var objectives = new List<Objective>();
        if (input.Array(root, "objectives", "", required: true) is not { } array)
        {
            return objectives;
        }

        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var path = JsonInput.Index("objectives", index++);
            objectives.Add(ReadObjective(input, element, path));
        }

        return objectives;
    }

    private static Objective ReadObjective(JsonInput input, JsonElement element, string path)
    {
        var placeholder = new Objective("", "", Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.None));
        if (!input.ExpectObject(element, path, "an objective object"))
        {
            return placeholder;
        }

        var name = input.String(element, "name", path, required: true) ?? "";
        var signal = input.String(element, "signal", path, required: true) ?? "";
        var direction = input.Enum(element, "direction", path, DefinitionNames.Directions, required: true) ?? Direction.LowerIsBetter;
        var thresholds = ReadThresholds(input, element, path, signal);
        var weight = input.Number(element, "weight", path) ?? 1;
        var key = input.Boolean(element, "key", path) ?? false;
        var minRequests = input.Integer(element, "minRequests", path);
        var statistic = input.Enum(element, "statistic", path, DefinitionNames.Statistics) ?? ObjectiveStatistic.Value;
        var query = input.String(element, "query", path);
        return new Objective(name, signal, direction, thresholds, weight, key, minRequests, statistic, query);
    }

    private static ThresholdSpec ReadThresholds(JsonInput input, JsonElement objective, string objectivePath, string signal)
    {
        var path = objectivePath + ".thresholds";
        if (input.Object(objective, "thresholds", objectivePath, required: true) is not { } element)
        {
            return new ThresholdSpec(ThresholdMode.None);
        }

        var modeText = input.String(element, "mode", path, required: true);
        ThresholdMode? mode = null;
        if (modeText is not null)
        {
            if (DefinitionNames.Modes.TryGetValue(modeText, out var known))
            {
                mode = known;
            }
            else
            {
                input.Error(path + ".mode", $"unknown threshold mode '{modeText}': must be static, adaptive or none");
            }
        }

        var warning = input.Number(element, "warning", path);
        var failure = input.Number(element, "failure", path);
        var kw = input.Number(element, "kw", path);
        var kf = input.Number(element, "kf", path);
        var relFloor = input.Number(element, "relFloor", path);
        var absFloor = input.Number(element, "absFloor", path);

        if (mode == ThresholdMode.Adaptive)
        {
            kw ??= ThresholdSpec.DefaultKw;
            kf ??= ThresholdSpec.DefaultKf;
            relFloor ??= ThresholdSpec.DefaultRelFloor;
            absFloor ??= signal == SignalNames.ErrorsRate ? ThresholdSpec.DefaultErrorRateAbsFloor : 0;
        }

        return new ThresholdSpec(mode ?? ThresholdMode.None, warning, failure, kw, kf, relFloor, absFloor);
    }

    private static GuardianPolicy ReadPolicy(JsonInput input, JsonElement root)
    {
        if (input.Object(root, "policy", "") is not { } policy)
        {
            return GuardianPolicy.Default;
        }

        var rollbackOn = new List<Decision>();
        if (input.Array(policy, "rollbackOn", "policy") is { } decisions)
        {
            var index = 0;
            foreach (var element in decisions.EnumerateArray())
            {
                var path = JsonInput.Index("policy.rollbackOn", index++);
                if (element.ValueKind == JsonValueKind.String && DefinitionNames.RollbackDecisions.TryGetValue(element.GetString()!, out var decision))
                {
                    rollbackOn.Add(decision);
                }
                else
                {
                    var shown = element.ValueKind == JsonValueKind.String ? $"'{element.GetString()}'" : JsonInput.Describe(element);
                    input.Error(path, $"must be nogo or inconclusive, not {shown}");
                    rollbackOn.Add(Decision.NoGo);
                }
            }
        }
        else if (JsonInput.Property(policy, "rollbackOn") is null)
        {
            rollbackOn.AddRange(GuardianPolicy.Default.RollbackOn);
        }

        var notify = new List<NotifyTarget>();
        if (input.Array(policy, "notify", "policy") is { } targets)
        {
            var index = 0;
            foreach (var element in targets.EnumerateArray())
            {
                var path = JsonInput.Index("policy.notify", index++);
                if (!input.ExpectObject(element, path, "a notification target object"))
                {
                    notify.Add(new NotifyTarget(NotifyTargetTypes.Webhook, "http://placeholder"));
                    continue;
                }

                notify.Add(new NotifyTarget(
                    input.String(element, "type", path, required: true) ?? "",
                    input.String(element, "url", path, required: true) ?? ""));
            }
        }

        return new GuardianPolicy(rollbackOn, notify);
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }

    private static void WriteMap(Utf8JsonWriter writer, string name, IReadOnlyDictionary<string, string>? map)
    {
        if (map is null || map.Count == 0)
        {
            return;
        }

        writer.WriteStartObject(name);
        foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
    }
}
