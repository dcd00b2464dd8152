using System.Text.Json;

namespace ReleaseGuardian.Cli.Client;

/// <summary>
/// An orchestration status in the Durable Functions shape (DESIGN.md §2): <c>name, instanceId, runtimeStatus,
/// customStatus {step, detail}, output {decision, score, headline, rollback}, createdTime, lastUpdatedTime</c>.
/// </summary>
/// <param name="Name">The orchestrator's name.</param>
/// <param name="InstanceId">The instance id.</param>
/// <param name="RuntimeStatus">Pending, Running, Completed or Failed.</param>
/// <param name="Step">The current step from the custom status.</param>
/// <param name="StepDetail">What the step is doing.</param>
/// <param name="Outcome">The release verdict, once completed.</param>
/// <param name="Error">The failure text, when the instance failed.</param>
/// <param name="CreatedTime">When it was scheduled, as the server wrote it.</param>
/// <param name="LastUpdatedTime">When it last changed, as the server wrote it.</param>
public sealed record OrchestrationStatus(
    string? Name,
    string? InstanceId,
    string? RuntimeStatus,
    string? Step,
    string? StepDetail,
    ReleaseOutcome? Outcome,
    string? Error,
    string? CreatedTime,
    string? LastUpdatedTime)
{
    /// <summary>Durable's status for a finished instance with an output.</summary>
    public const string Completed = "Completed";

    /// <summary>Durable's status for an instance that ended with an error.</summary>
    public const string Failed = "Failed";

    /// <summary>Reads the status document; missing fields are null rather than errors (hosts may add or omit).</summary>
    public static OrchestrationStatus From(JsonElement json)
    {
        string? step = null, detail = null;
        if (json.TryGetProperty("customStatus", out var custom))
        {
            if (custom.ValueKind == JsonValueKind.Object)
            {
                step = Json.Text(custom, "step");
                detail = Json.Text(custom, "detail");
            }
            else if (custom.ValueKind == JsonValueKind.String)
            {
                step = custom.GetString();
            }
        }

        ReleaseOutcome? outcome = null;
        string? error = null;
        if (json.TryGetProperty("output", out var output))
        {
            if (output.ValueKind == JsonValueKind.Object)
            {
                outcome = ReleaseOutcome.From(output);
            }
            else if (output.ValueKind == JsonValueKind.String)
            {
                error = output.GetString();
            }
        }

        return new OrchestrationStatus(
            Json.Text(json, "name"),
            Json.Text(json, "instanceId"),
            Json.Text(json, "runtimeStatus"),
            step,
            detail,
            outcome,
            error,
            Json.Text(json, "createdTime"),
            Json.Text(json, "lastUpdatedTime"));
    }
}

/// <summary>The output of a finished release workflow: the verdict in brief and what happened to the flag.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="RunId">The run.</param>
/// <param name="Status">pass, warning, fail, error or info.</param>
/// <param name="Decision">go, nogo or inconclusive.</param>
/// <param name="Score">The score, when any objective was judged.</param>
/// <param name="Headline">The verdict in one line.</param>
/// <param name="RollbackResult">rolled-back, rollback-failed, superseded, already-rolled-back or not-supported; null when none was needed.</param>
/// <param name="RollbackSummary">What the rollback did.</param>
/// <param name="ManualSteps">What to do by hand when the rollback did not happen.</param>
public sealed record ReleaseOutcome(
    string? GuardianId,
    string? RunId,
    string? Status,
    string? Decision,
    double? Score,
    string? Headline,
    string? RollbackResult,
    string? RollbackSummary,
    string? ManualSteps)
{
    /// <summary>Reads the <c>output</c> object of a completed release workflow.</summary>
    public static ReleaseOutcome From(JsonElement output)
    {
        string? result = null, summary = null, manual = null;
        if (output.TryGetProperty("rollback", out var rollback) && rollback.ValueKind == JsonValueKind.Object)
        {
            result = Json.Text(rollback, "result");
            summary = Json.Text(rollback, "summary");
            manual = Json.Text(rollback, "manualSteps");
        }

        return new ReleaseOutcome(
            Json.Text(output, "guardianId"),
            Json.Text(output, "runId"),
            Json.Text(output, "status"),
            Json.Text(output, "decision"),
            Json.Number(output, "score"),
            Json.Text(output, "headline"),
            result,
            summary,
            manual);
    }
}

/// <summary>One page of <c>GET /api/guardians/{id}/runs</c>, newest first.</summary>
/// <param name="Guardian">The guardian.</param>
/// <param name="Runs">The runs on this page.</param>
/// <param name="Continuation">The token for the next page, or null on the last one.</param>
public sealed record RunsPage(string? Guardian, IReadOnlyList<RunSummary> Runs, string? Continuation)
{
    /// <summary>Reads the page.</summary>
    public static RunsPage From(JsonElement json)
    {
        var runs = new List<RunSummary>();
        if (json.TryGetProperty("runs", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            runs.AddRange(list.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Object).Select(RunSummary.From));
        }

        return new RunsPage(Json.Text(json, "guardian"), runs, Json.Text(json, "continuation"));
    }
}

/// <summary>A run in the runs list.</summary>
/// <param name="RunId">The run id.</param>
/// <param name="Purpose">training or validation.</param>
/// <param name="Start">Start of the measured window.</param>
/// <param name="End">End of the measured window.</param>
/// <param name="Status">The verdict status.</param>
/// <param name="Decision">go, nogo or inconclusive.</param>
/// <param name="Score">The score.</param>
/// <param name="Invalidated">True when a user removed it from the baseline.</param>
/// <param name="InvalidatedReason">Why it was removed.</param>
public sealed record RunSummary(
    string? RunId,
    string? Purpose,
    DateTimeOffset? Start,
    DateTimeOffset? End,
    string? Status,
    string? Decision,
    double? Score,
    bool Invalidated,
    string? InvalidatedReason)
{
    /// <summary>Reads one run of the list.</summary>
    public static RunSummary From(JsonElement run)
    {
        DateTimeOffset? start = null, end = null;
        if (run.TryGetProperty("window", out var window) && window.ValueKind == JsonValueKind.Object)
        {
            start = Json.Time(window, "start");
            end = Json.Time(window, "end");
        }

        return new RunSummary(
            Json.Text(run, "runId"),
            Json.Text(run, "purpose"),
            start,
            end,
            Json.Text(run, "status"),
            Json.Text(run, "decision"),
            Json.Number(run, "score"),
            run.TryGetProperty("invalidated", out var invalidated) && invalidated.ValueKind == JsonValueKind.True,
            Json.Text(run, "invalidatedReason"));
    }
}

/// <summary>The answer to a delivery: accepted events (with their workflow instances), ignored, or a handshake.</summary>
/// <param name="Status">accepted or ignored; null for a handshake answer.</param>
/// <param name="Reason">Why the delivery was ignored.</param>
/// <param name="Events">The accepted events.</param>
public sealed record DeliveryAnswer(string? Status, string? Reason, IReadOnlyList<AcceptedEvent> Events)
{
    /// <summary>Reads the answer of an inbound door.</summary>
    public static DeliveryAnswer From(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return new DeliveryAnswer(null, null, []);
        }

        var events = new List<AcceptedEvent>();
        if (json.TryGetProperty("events", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            events.AddRange(list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(e => new AcceptedEvent(
                Json.Text(e, "type"),
                Json.Text(e, "id"),
                Json.Text(e, "guardian"),
                Json.Text(e, "instanceId"),
                Json.Text(e, "statusQueryGetUri"))));
        }

        return new DeliveryAnswer(Json.Text(json, "status"), Json.Text(json, "reason"), events);
    }
}

/// <summary>An accepted event and the release workflow it started, if any.</summary>
/// <param name="Type">The CloudEvents type.</param>
/// <param name="Id">The event id.</param>
/// <param name="Guardian">The guardian it belongs to, when known.</param>
/// <param name="InstanceId">The workflow instance it started (load-test and chaos events).</param>
/// <param name="StatusQueryGetUri">Where to poll that instance.</param>
public sealed record AcceptedEvent(string? Type, string? Id, string? Guardian, string? InstanceId, string? StatusQueryGetUri);

/// <summary>Lenient readers: a field of the wrong kind reads as absent.</summary>
internal static class Json
{
    public static string? Text(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static double? Number(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    public static DateTimeOffset? Time(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var time)
            ? time
            : null;

    /// <summary>
    /// The element as indented JSON, written without reflection, with every string value passed through
    /// <see cref="ServerOutput.Redacted"/> so a key echoed in a link is never printed.
    /// </summary>
    public static string Indented(JsonElement json)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteRedacted(writer, json);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteRedacted(Utf8JsonWriter writer, JsonElement json)
    {
        switch (json.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in json.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    WriteRedacted(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in json.EnumerateArray())
                {
                    WriteRedacted(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(ServerOutput.Redacted(json.GetString()!));
                break;
            default:
                json.WriteTo(writer);
                break;
        }
    }
}
