using System.Globalization;
using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Chaos;
using ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

namespace ReleaseGuardian.Infrastructure.Ingestion.CloudEvents;

/// <summary>
/// The data of <c>releaseguardian.chaos.finished.v1</c> in any of three shapes:
/// <list type="bullet">
/// <item>a Litmus <c>ChaosResult</c> (<c>kind: ChaosResult</c>): verdict, phase and probe success percentage from
/// <c>status.experimentStatus</c>, names from <c>spec</c>;</item>
/// <item>a Chaos Mesh experiment (<c>apiVersion: chaos-mesh.org/...</c>, or a <c>status.experiment</c>): finished
/// when <c>status.experiment.desiredPhase</c> is <c>Stop</c>; <c>Recovered</c> when the <c>AllRecovered</c>
/// condition is True, <c>NotRecovered</c> when a recovery failed;</item>
/// <item>our normalised shape: <c>guardian, experiment, verdict, resilienceScore?, start, end, engine?</c>.</item>
/// </list>
/// The guardian of a Kubernetes object comes from <c>data.guardian</c>, else the CloudEvent <c>subject</c> when it is
/// a guardian id (a subject is often the resource path instead), else the label <c>releaseguardian/guardian</c>.
/// </summary>
internal static class ChaosDataMapper
{
    public const string GuardianLabel = "releaseguardian/guardian";
    public const string LitmusEngine = "litmus";
    public const string ChaosMeshEngine = "chaosmesh";
    public const string GenericEngine = "generic";

    public static ChaosFinishedEvent Map(in CloudEventEnvelope ce, JsonElement data, string path)
    {
        var kind = JsonRead.String(data, "kind", path);
        var apiVersion = JsonRead.String(data, "apiVersion", path);
        ChaosExperimentFinished result;
        if (string.Equals(kind, "ChaosResult", StringComparison.Ordinal))
        {
            result = Litmus(ce, data, path);
        }
        else if (apiVersion?.StartsWith("chaos-mesh.org/", StringComparison.Ordinal) == true
                 || (JsonRead.TryGetObject(data, "status", path, out var status) && JsonRead.TryGetObject(status, "experiment", JsonPath.Property(path, "status"), out _)))
        {
            result = ChaosMesh(ce, data, path);
        }
        else
        {
            result = Normalised(data, path);
        }

        // The end comes from the data, or else from the time attribute: only a binary-mode ce-time header may differ on a retry.
        return new ChaosFinishedEvent(ce.Source, ce.Id, result.End, result) { TimeFromPayload = ce.TimeInBody || result.End != ce.Time };
    }

    private static ChaosExperimentFinished Normalised(JsonElement data, string path)
    {
        var guardian = JsonRead.RequireString(data, "guardian", path, "name the guardian the experiment ran against");
        CheckGuardian(guardian, JsonPath.Property(path, "guardian"));
        var experiment = JsonRead.RequireString(data, "experiment", path, "name the experiment");
        var verdict = JsonRead.RequireString(data, "verdict", path, "give the engine's verdict, e.g. Pass or Fail");
        var score = JsonRead.Number(data, "resilienceScore", path, NumberRange.Percent);
        var engine = JsonRead.String(data, "engine", path) ?? GenericEngine;
        var start = JsonRead.Timestamp(data, "start", path)
            ?? throw IngestRejection.Malformed(JsonPath.Property(path, "start"), "is missing; say when the experiment started, ISO 8601");
        var end = JsonRead.Timestamp(data, "end", path)
            ?? throw IngestRejection.Malformed(JsonPath.Property(path, "end"), "is missing; say when the experiment finished, ISO 8601");
        CheckWindow(start, end, JsonPath.Property(path, "end"));
        return new ChaosExperimentFinished(guardian, experiment, verdict, score, engine, start, end);
    }

    private static ChaosExperimentFinished Litmus(in CloudEventEnvelope ce, JsonElement data, string path)
    {
        var metadataPath = JsonPath.Property(path, "metadata");
        JsonRead.TryGetObject(data, "metadata", path, out var metadata);
        var specPath = JsonPath.Property(path, "spec");
        JsonRead.TryGetObject(data, "spec", path, out var spec);
        var status = JsonRead.RequireObject(data, "status", path, "a finished ChaosResult has a status");
        var statusPath = JsonPath.Property(path, "status");
        var experimentStatusPath = JsonPath.Property(statusPath, "experimentStatus");
        var experimentStatus = JsonRead.RequireObject(status, "experimentStatus", statusPath, "a finished ChaosResult has status.experimentStatus");

        var verdictPath = JsonPath.Property(experimentStatusPath, "verdict");
        var verdict = JsonRead.RequireString(experimentStatus, "verdict", experimentStatusPath, "a finished ChaosResult has a verdict: Pass, Fail or Stopped");
        var phase = JsonRead.String(experimentStatus, "phase", experimentStatusPath);
        if (string.Equals(verdict, "Awaited", StringComparison.OrdinalIgnoreCase)
            || string.Equals(phase, "Running", StringComparison.OrdinalIgnoreCase)
            || string.Equals(phase, "Initialized", StringComparison.OrdinalIgnoreCase))
        {
            throw IngestRejection.Malformed(verdictPath, $"is '{RunIdentity.Truncate(verdict)}' (phase '{phase}'); the experiment has not finished. Send the ChaosResult once its phase is Completed");
        }

        double? score = null;
        var scorePath = JsonPath.Property(experimentStatusPath, "probeSuccessPercentage");
        if (experimentStatus.TryGetProperty("probeSuccessPercentage", out var scoreElement))
        {
            // Litmus writes a string: "100", or "Awaited"/"N/A" before the probes have run.
            if (scoreElement.ValueKind == JsonValueKind.String)
            {
                var text = scoreElement.GetString()!.Trim().TrimEnd('%');
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
                {
                    JsonRead.Check(parsed, scorePath, NumberRange.Percent);
                    score = parsed;
                }
            }
            else
            {
                score = JsonRead.NumberValue(scoreElement, scorePath, NumberRange.Percent);
            }
        }

        var experiment = JsonRead.String(spec, "experiment", specPath)
            ?? JsonRead.String(metadata, "name", metadataPath)
            ?? throw IngestRejection.Malformed(JsonPath.Property(specPath, "experiment"), "is missing; the ChaosResult names no experiment");
        var guardian = KubernetesGuardian(ce, data, metadata, path, metadataPath);
        var start = JsonRead.Timestamp(data, "start", path)
            ?? JsonRead.Timestamp(metadata, "creationTimestamp", metadataPath)
            ?? throw IngestRejection.Malformed(JsonPath.Property(metadataPath, "creationTimestamp"), "is missing (and data.start too); the experiment's start is unknown");
        var end = JsonRead.Timestamp(data, "end", path)
            ?? ce.Time
            ?? throw IngestRejection.Malformed(ce.TimeField, "is missing (and data.end too); a ChaosResult does not say when the experiment finished, so set the CloudEvent time");
        CheckWindow(start, end, JsonPath.Property(path, "end"));
        return new ChaosExperimentFinished(guardian, experiment, verdict, score, LitmusEngine, start, end);
    }

    private static ChaosExperimentFinished ChaosMesh(in CloudEventEnvelope ce, JsonElement data, string path)
    {
        var metadataPath = JsonPath.Property(path, "metadata");
        JsonRead.TryGetObject(data, "metadata", path, out var metadata);
        var statusPath = JsonPath.Property(path, "status");
        var status = JsonRead.RequireObject(data, "status", path, "a Chaos Mesh experiment reports its progress in status");
        var experimentPath = JsonPath.Property(statusPath, "experiment");
        var experimentStatus = JsonRead.RequireObject(status, "experiment", statusPath, "a Chaos Mesh experiment reports its phase in status.experiment");

        var desiredPhasePath = JsonPath.Property(experimentPath, "desiredPhase");
        var desiredPhase = JsonRead.String(experimentStatus, "desiredPhase", experimentPath);
        if (!string.Equals(desiredPhase, "Stop", StringComparison.Ordinal))
        {
            throw IngestRejection.Malformed(desiredPhasePath, $"is '{desiredPhase ?? "missing"}'; the experiment has not finished. Send it once desiredPhase is Stop and the AllRecovered condition is True");
        }

        var conditionsPath = JsonPath.Property(statusPath, "conditions");
        var allRecovered = false;
        if (JsonRead.TryGetArray(status, "conditions", statusPath, out var conditions))
        {
            var index = 0;
            foreach (var condition in conditions.EnumerateArray())
            {
                var conditionPath = JsonPath.Index(conditionsPath, index++);
                if (condition.ValueKind != JsonValueKind.Object)
                {
                    throw IngestRejection.Malformed(conditionPath, "must be a condition object");
                }

                var type = JsonRead.String(condition, "type", conditionPath);
                var isTrue = string.Equals(JsonRead.String(condition, "status", conditionPath), "True", StringComparison.OrdinalIgnoreCase);
                if (type == "AllRecovered" && isTrue)
                {
                    allRecovered = true;
                }
                else if (type == "Paused" && isTrue)
                {
                    throw IngestRejection.Malformed(conditionPath, "says the experiment is paused; it has not finished");
                }
            }
        }

        var (firstApply, lastRecover, recoveryFailed) = RecordEvents(experimentStatus, experimentPath);
        string verdict;
        if (allRecovered)
        {
            verdict = "Recovered";
        }
        else if (recoveryFailed)
        {
            verdict = "NotRecovered";
        }
        else
        {
            throw IngestRejection.Malformed(conditionsPath, "has no AllRecovered condition that is True, and no recovery failed; the experiment is still recovering. Send it once AllRecovered is True");
        }

        var experiment = JsonRead.String(metadata, "name", metadataPath)
            ?? throw IngestRejection.Malformed(JsonPath.Property(metadataPath, "name"), "is missing; the Chaos Mesh experiment has no name");
        var guardian = KubernetesGuardian(ce, data, metadata, path, metadataPath);
        var start = JsonRead.Timestamp(data, "start", path)
            ?? firstApply
            ?? JsonRead.Timestamp(metadata, "creationTimestamp", metadataPath)
            ?? throw IngestRejection.Malformed(JsonPath.Property(metadataPath, "creationTimestamp"), "is missing, and no Apply event says when the experiment started");
        var end = JsonRead.Timestamp(data, "end", path)
            ?? lastRecover
            ?? ce.Time
            ?? throw IngestRejection.Malformed(ce.TimeField, "is missing, and no Recover event says when the experiment finished; set the CloudEvent time");
        CheckWindow(start, end, JsonPath.Property(path, "end"));
        return new ChaosExperimentFinished(guardian, experiment, verdict, null, ChaosMeshEngine, start, end);
    }

    /// <summary>
    /// Chaos Mesh's per-target records: <c>containerRecords[].events[]{operation: Apply|Recover, type: Succeeded|Failed, timestamp}</c>.
    /// </summary>
    private static (DateTimeOffset? FirstApply, DateTimeOffset? LastRecover, bool RecoveryFailed) RecordEvents(JsonElement experimentStatus, string experimentPath)
    {
        DateTimeOffset? firstApply = null, lastRecover = null;
        var recoveryFailed = false;
        if (!JsonRead.TryGetArray(experimentStatus, "containerRecords", experimentPath, out var records))
        {
            return (null, null, false);
        }

        var recordsPath = JsonPath.Property(experimentPath, "containerRecords");
        var recordIndex = 0;
        foreach (var record in records.EnumerateArray())
        {
            var recordPath = JsonPath.Index(recordsPath, recordIndex++);
            if (record.ValueKind != JsonValueKind.Object)
            {
                throw IngestRejection.Malformed(recordPath, "must be a record object");
            }

            if (!JsonRead.TryGetArray(record, "events", recordPath, out var events))
            {
                continue;
            }

            var eventsPath = JsonPath.Property(recordPath, "events");
            var eventIndex = 0;
            foreach (var recordEvent in events.EnumerateArray())
            {
                var eventPath = JsonPath.Index(eventsPath, eventIndex++);
                if (recordEvent.ValueKind != JsonValueKind.Object)
                {
                    throw IngestRejection.Malformed(eventPath, "must be an event object");
                }

                var operation = JsonRead.String(recordEvent, "operation", eventPath);
                var outcome = JsonRead.String(recordEvent, "type", eventPath);
                var timestamp = JsonRead.Timestamp(recordEvent, "timestamp", eventPath);
                if (operation == "Apply" && timestamp is { } applied && (firstApply is null || applied < firstApply))
                {
                    firstApply = applied;
                }
                else if (operation == "Recover")
                {
                    if (outcome == "Failed")
                    {
                        recoveryFailed = true;
                    }
                    else if (timestamp is { } recovered && (lastRecover is null || recovered > lastRecover))
                    {
                        lastRecover = recovered;
                    }
                }
            }
        }

        return (firstApply, lastRecover, recoveryFailed);
    }

    private static string KubernetesGuardian(in CloudEventEnvelope ce, JsonElement data, JsonElement metadata, string path, string metadataPath)
    {
        if (JsonRead.String(data, "guardian", path) is { } fromData)
        {
            CheckGuardian(fromData, JsonPath.Property(path, "guardian"));
            return fromData;
        }

        if (GuardianId.IsValid(ce.Subject))
        {
            return ce.Subject!;
        }

        var labelsPath = JsonPath.Property(metadataPath, "labels");
        if (JsonRead.TryGetObject(metadata, "labels", metadataPath, out var labels)
            && JsonRead.String(labels, GuardianLabel, labelsPath) is { } fromLabel)
        {
            CheckGuardian(fromLabel, JsonPath.Property(labelsPath, GuardianLabel));
            return fromLabel;
        }

        throw IngestRejection.Malformed(
            JsonPath.Property(path, "guardian"),
            $"is missing; name the guardian in data.guardian, in the CloudEvent subject, or with the label '{GuardianLabel}' on the resource");
    }

    private static void CheckGuardian(string guardian, string field)
    {
        if (!GuardianId.IsValid(guardian))
        {
            throw IngestRejection.Malformed(field, $"must match {GuardianId.Pattern}");
        }
    }

    private static void CheckWindow(DateTimeOffset start, DateTimeOffset end, string endField)
    {
        if (end < start)
        {
            throw IngestRejection.Malformed(endField, $"({end:O}) is before the start ({start:O})");
        }
    }
}
