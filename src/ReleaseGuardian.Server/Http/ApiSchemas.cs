using System.Text.Json;

namespace ReleaseGuardian.Server.Http;

// The shapes below describe, for the OpenAPI document only, what the shared Infrastructure endpoints write as
// already-serialized JSON (ApiResponse); the handlers return those bytes, so the generator cannot see the types.

/// <summary>An RFC 7807 problem as every route writes it (<c>application/problem+json</c>).</summary>
/// <param name="Type">A link describing the status.</param>
/// <param name="Title">The status in words.</param>
/// <param name="Status">The HTTP status.</param>
/// <param name="Detail">The field at fault and what was wrong with it, e.g. <c>pageSize: must be between 1 and 200</c>.</param>
/// <param name="Field">The field, header or parameter at fault (JSON path for body fields).</param>
/// <param name="Errors">Every error of a guardian definition by JSON path (400 on <c>PUT /api/guardians/{id}</c> only).</param>
/// <param name="TraceId">The W3C trace id of the request, when it was traced.</param>
internal sealed record ApiProblem(string Type, string Title, int Status, string Detail, string? Field, IReadOnlyList<ApiFieldError>? Errors = null, string? TraceId = null);

/// <summary>One error of a guardian definition.</summary>
/// <param name="Path">The JSON path, e.g. <c>$.objectives[1].thresholds.failure</c>.</param>
/// <param name="Message">What is wrong.</param>
internal sealed record ApiFieldError(string Path, string Message);

/// <summary>The answer to a delivery that was verified: stored (<c>accepted</c>) or deliberately not (<c>ignored</c>).</summary>
/// <param name="Status"><c>accepted</c> or <c>ignored</c>.</param>
/// <param name="Reason">Why an ignored delivery was not stored (e.g. an event type no guardian uses).</param>
/// <param name="Count">How many events were stored.</param>
/// <param name="Events">The stored events; one that started a release workflow carries its status URL.</param>
internal sealed record IngestAnswer(string Status, string? Reason = null, int? Count = null, IReadOnlyList<IngestedEvent>? Events = null);

/// <summary>One stored event.</summary>
/// <param name="Type">The event type, e.g. <c>releaseguardian.loadtest.finished.v1</c>.</param>
/// <param name="Source">Where it came from.</param>
/// <param name="Id">Its id (deduplication key).</param>
/// <param name="Guardian">The guardian it was routed to, when any.</param>
/// <param name="InstanceId">The release workflow it started, when any.</param>
/// <param name="StatusQueryGetUri">That workflow's status URL.</param>
internal sealed record IngestedEvent(string Type, string Source, string Id, string? Guardian, string? InstanceId, string? StatusQueryGetUri);

/// <summary>The Durable Functions check-status payload of a started workflow.</summary>
/// <param name="Id">The orchestration instance id.</param>
/// <param name="StatusQueryGetUri">GET: the instance's status.</param>
/// <param name="SendEventPostUri">POST: raise an event.</param>
/// <param name="TerminatePostUri">POST: terminate.</param>
/// <param name="RewindPostUri">POST: rewind a failed instance.</param>
/// <param name="PurgeHistoryDeleteUri">DELETE: purge the history.</param>
/// <param name="RestartPostUri">POST: restart.</param>
/// <param name="SuspendPostUri">POST: suspend.</param>
/// <param name="ResumePostUri">POST: resume.</param>
internal sealed record CheckStatusDocument(
    string Id, string StatusQueryGetUri, string SendEventPostUri, string TerminatePostUri, string RewindPostUri,
    string PurgeHistoryDeleteUri, string RestartPostUri, string SuspendPostUri, string ResumePostUri);

/// <summary>An orchestration instance's status, in the shape of the Durable Functions status route.</summary>
/// <param name="Name">The orchestrator, e.g. <c>ReleaseWorkflow</c>.</param>
/// <param name="InstanceId">The instance id.</param>
/// <param name="RuntimeStatus">Pending, Running, Completed, Failed or Terminated.</param>
/// <param name="Input">The workflow's input.</param>
/// <param name="CustomStatus">The step it is on.</param>
/// <param name="Output">The verdict and rollback, once completed.</param>
/// <param name="CreatedTime">When it was created (UTC).</param>
/// <param name="LastUpdatedTime">When it last changed (UTC).</param>
internal sealed record OrchestrationStatusDocument(
    string Name, string InstanceId, string RuntimeStatus, JsonElement? Input, JsonElement? CustomStatus, JsonElement? Output, string CreatedTime, string LastUpdatedTime);

/// <summary>Liveness.</summary>
/// <param name="Status">Always <c>ok</c>.</param>
internal sealed record HealthDocument(string Status);

/// <summary>A manual evaluation of a time window.</summary>
/// <param name="Start">The window's start (ISO 8601).</param>
/// <param name="End">The window's end, after the start.</param>
/// <param name="Purpose"><c>training</c> or <c>validation</c> (default validation).</param>
/// <param name="RunId">The run's id: 1-64 letters, digits, '-', '_' or '.'.</param>
/// <param name="Signals">Signal values to judge instead of querying the metrics source, e.g. <c>{"latency.p95": 310}</c>.</param>
internal sealed record EvaluationOrderDocument(
    DateTimeOffset Start, DateTimeOffset End, string? Purpose = null, string? RunId = null, IReadOnlyDictionary<string, double>? Signals = null);

/// <summary>Why a run leaves the baseline.</summary>
/// <param name="Reason">E.g. <c>load generator was saturated</c>.</param>
internal sealed record InvalidationDocument(string Reason);
