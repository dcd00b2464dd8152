using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Core.Chaos;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// The stored data of an event, in the shape of its CloudEvent <c>data</c> (DESIGN.md §6) plus the fields a
/// faithful read-back needs (change id, provider refs, engine). Written with Utf8JsonWriter, read with JsonDocument.
/// </summary>
internal static class EventJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string KindOf(InboundEvent evt) => evt switch
    {
        FlagChangedEvent => TimelineKinds.FlagChange,
        LoadTestFinishedEvent => TimelineKinds.LoadTest,
        ChaosFinishedEvent => TimelineKinds.Chaos,
        _ => throw new ArgumentException($"Unknown event kind {evt.GetType().Name}.", nameof(evt)),
    };

    public static string Write(InboundEvent evt) => Write(w =>
    {
        switch (evt)
        {
            case FlagChangedEvent f:
                WriteFlagChange(w, f.Change);
                break;
            case LoadTestFinishedEvent l:
                WriteLoadTest(w, l.Result);
                break;
            case ChaosFinishedEvent c:
                WriteChaos(w, c.Result);
                break;
            default:
                throw new ArgumentException($"Unknown event kind {evt.GetType().Name}.", nameof(evt));
        }
    });

    public static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(w);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static InboundEvent Read(string kind, string source, string id, DateTimeOffset time, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var d = doc.RootElement;
        return kind switch
        {
            TimelineKinds.FlagChange => new FlagChangedEvent(source, id, time, ReadFlagChange(d)),
            TimelineKinds.LoadTest => new LoadTestFinishedEvent(source, id, time, ReadLoadTest(d)),
            TimelineKinds.Chaos => new ChaosFinishedEvent(source, id, time, ReadChaos(d)),
            _ => throw new InvalidDataException($"Stored event {source} {id} has unknown kind '{kind}'."),
        };
    }

    /// <summary>The longest summary kept: one line of plain words, whatever a sender put in its names.</summary>
    public const int MaxSummaryLength = 1000;

    public static string Summary(InboundEvent evt)
    {
        var summary = FullSummary(evt);
        return summary.Length <= MaxSummaryLength ? summary : summary[..(MaxSummaryLength - 1)] + "…";
    }

    private static string FullSummary(InboundEvent evt) => evt switch
    {
        FlagChangedEvent { Change: var c } =>
            $"{c.Provider} {c.FlagKey}{Scope(c)}: {c.Previous?.ToString() ?? "unknown"} -> {c.Current}" + (c.Actor is null ? "" : $" by {c.Actor}"),
        LoadTestFinishedEvent { Result: var r } =>
            $"{r.Tool} load test {r.TestId} ({Purpose(r.Purpose)}), {(r.End - r.Start).TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s"
            + (r.Signals is { } s && s.TryGetValue("traffic.requests", out var n) ? $", {n.ToString("0", CultureInfo.InvariantCulture)} requests" : ""),
        ChaosFinishedEvent { Result: var r } =>
            $"{r.Engine} chaos experiment {r.Experiment}: {r.Verdict}"
            + (r.ResilienceScore is { } score ? $" (resilience {score.ToString("0.#", CultureInfo.InvariantCulture)}%)" : ""),
        _ => evt.Type,
    };

    public static string Purpose(RunPurpose purpose) => purpose == RunPurpose.Training ? "training" : "validation";

    public static RunPurpose ParsePurpose(string? text) =>
        string.Equals(text, "training", StringComparison.OrdinalIgnoreCase) ? RunPurpose.Training : RunPurpose.Validation;

    public static string WriteSignals(IReadOnlyDictionary<string, double>? signals) => Write(w => WriteSignals(w, signals));

    public static IReadOnlyDictionary<string, double> ReadSignals(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return new Dictionary<string, double>();
        }

        using var doc = JsonDocument.Parse(json);
        return ReadSignals(doc.RootElement) ?? new Dictionary<string, double>();
    }

    private static string Scope(FlagChange c) =>
        c.Project is null && c.Environment is null ? "" : $" ({c.Project ?? "-"}/{c.Environment ?? "-"})";

    private static void WriteFlagChange(Utf8JsonWriter w, FlagChange c)
    {
        w.WriteStartObject();
        w.WriteString("provider", c.Provider);
        w.WriteString("flagKey", c.FlagKey);
        WriteOptional(w, "project", c.Project);
        WriteOptional(w, "environment", c.Environment);
        if (c.Previous is not null)
        {
            w.WritePropertyName("previous");
            WriteState(w, c.Previous);
        }

        w.WritePropertyName("current");
        WriteState(w, c.Current);
        WriteOptional(w, "actor", c.Actor);
        w.WriteString("changedAt", c.ChangedAt);
        w.WriteString("changeId", c.ChangeId);
        if (c.ProviderRefs.Count > 0)
        {
            w.WriteStartObject("providerRefs");
            foreach (var (key, value) in c.ProviderRefs)
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteState(Utf8JsonWriter w, FlagState s)
    {
        w.WriteStartObject();
        if (s.Enabled is { } enabled)
        {
            w.WriteBoolean("enabled", enabled);
        }
        else
        {
            w.WriteNull("enabled");
        }

        WriteOptional(w, "variant", s.Variant);
        w.WriteEndObject();
    }

    private static void WriteLoadTest(Utf8JsonWriter w, LoadTestFinished r)
    {
        w.WriteStartObject();
        WriteOptional(w, "guardian", r.GuardianId);
        WriteOptional(w, "service", r.Service);
        WriteOptional(w, "flagKey", r.FlagKey);
        w.WriteString("testId", r.TestId);
        w.WriteString("tool", r.Tool);
        w.WriteString("purpose", Purpose(r.Purpose));
        w.WriteString("start", r.Start);
        w.WriteString("end", r.End);
        if (r.Signals is not null)
        {
            w.WritePropertyName("signals");
            WriteSignals(w, r.Signals);
        }

        w.WriteEndObject();
    }

    private static void WriteSignals(Utf8JsonWriter w, IReadOnlyDictionary<string, double>? signals)
    {
        w.WriteStartObject();
        foreach (var (name, value) in signals ?? new Dictionary<string, double>())
        {
            w.WriteNumber(name, value);
        }

        w.WriteEndObject();
    }

    private static void WriteChaos(Utf8JsonWriter w, ChaosExperimentFinished r)
    {
        w.WriteStartObject();
        w.WriteString("guardian", r.GuardianId);
        w.WriteString("experiment", r.Experiment);
        w.WriteString("verdict", r.Verdict);
        if (r.ResilienceScore is { } score)
        {
            w.WriteNumber("resilienceScore", score);
        }

        w.WriteString("engine", r.Engine);
        w.WriteString("start", r.Start);
        w.WriteString("end", r.End);
        w.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static FlagChange ReadFlagChange(JsonElement d)
    {
        var refs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (d.TryGetProperty("providerRefs", out var r) && r.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in r.EnumerateObject())
            {
                refs[p.Name] = p.Value.GetString() ?? "";
            }
        }

        return new FlagChange(
            Str(d, "provider")!,
            Str(d, "flagKey")!,
            Str(d, "project"),
            Str(d, "environment"),
            d.TryGetProperty("previous", out var prev) && prev.ValueKind == JsonValueKind.Object ? ReadState(prev) : null,
            ReadState(d.GetProperty("current")),
            Str(d, "actor"),
            d.GetProperty("changedAt").GetDateTimeOffset(),
            Str(d, "changeId") ?? "")
        {
            ProviderRefs = refs,
        };
    }

    public static FlagState ReadState(JsonElement s) => new(
        s.TryGetProperty("enabled", out var e) && e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : null,
        Str(s, "variant"));

    private static LoadTestFinished ReadLoadTest(JsonElement d) => new(
        Str(d, "guardian"),
        Str(d, "service"),
        Str(d, "flagKey"),
        Str(d, "testId")!,
        Str(d, "tool") ?? "",
        ParsePurpose(Str(d, "purpose")),
        d.GetProperty("start").GetDateTimeOffset(),
        d.GetProperty("end").GetDateTimeOffset(),
        d.TryGetProperty("signals", out var s) ? ReadSignals(s) : null);

    private static Dictionary<string, double>? ReadSignals(JsonElement s)
    {
        if (s.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var signals = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in s.EnumerateObject())
        {
            signals[p.Name] = p.Value.GetDouble();
        }

        return signals;
    }

    private static ChaosExperimentFinished ReadChaos(JsonElement d) => new(
        Str(d, "guardian")!,
        Str(d, "experiment")!,
        Str(d, "verdict") ?? "",
        d.TryGetProperty("resilienceScore", out var score) && score.ValueKind == JsonValueKind.Number ? score.GetDouble() : null,
        Str(d, "engine") ?? "generic",
        d.GetProperty("start").GetDateTimeOffset(),
        d.GetProperty("end").GetDateTimeOffset());

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
