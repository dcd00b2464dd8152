using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Runs;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Infrastructure.HttpApi;

/// <summary>Runs with their evidence, invalidation, baseline reset and manual evaluations as HTTP answers; management routes.</summary>
public sealed class RunEndpoints(RunService runs)
{
    /// <summary><c>GET /api/guardians/{id}/runs?pageSize=&amp;continuation=</c>.</summary>
    public async Task<ApiResponse> ListAsync(string id, WebhookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (pageSize, problem) = QueryPaging.PageSize(request);
        if (problem is not null)
        {
            return problem;
        }

        try
        {
            var page = await runs.ListAsync(id, pageSize, QueryPaging.Continuation(request), cancellationToken);
            return page is null
                ? ApiResponse.NotFound("id", $"no guardian '{id}'")
                : ApiResponse.Json(new { guardian = id, runs = page.Items.Select(Summary).ToList(), continuation = page.Continuation });
        }
        catch (InvalidContinuationException e)
        {
            return ApiResponse.Problem(400, e.Field, e.Message);
        }
    }

    /// <summary><c>GET /api/guardians/{id}/runs/{runId}</c>.</summary>
    public async Task<ApiResponse> GetAsync(string id, string runId, CancellationToken cancellationToken)
    {
        var run = await runs.GetAsync(id, runId, cancellationToken);
        if (run is null)
        {
            return ApiResponse.NotFound("runId", $"no run '{runId}' for guardian '{id}'");
        }

        return ApiResponse.Json(Detail(run, await runs.GetRollbackAsync(run, cancellationToken)));
    }

    /// <summary><c>POST /api/guardians/{id}/runs/{runId}/invalidate</c> with <c>{"reason": "..."}</c>.</summary>
    public async Task<ApiResponse> InvalidateAsync(string id, string runId, WebhookRequest request, CancellationToken cancellationToken)
    {
        var (body, problem) = ReadJson(request);
        if (problem is not null)
        {
            return problem;
        }

        var reason = body is { ValueKind: JsonValueKind.Object } json && json.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String
            ? r.GetString()
            : null;
        if (string.IsNullOrWhiteSpace(reason))
        {
            return ApiResponse.Problem(400, "reason", "say why the run should leave the baseline, e.g. {\"reason\":\"load generator was saturated\"}");
        }

        return await runs.InvalidateAsync(id, runId, reason, cancellationToken)
            ? ApiResponse.Json(new { guardian = id, runId, invalidated = true, reason })
            : ApiResponse.NotFound("runId", $"no run '{runId}' for guardian '{id}'");
    }

    /// <summary><c>POST /api/guardians/{id}/baseline/reset</c>.</summary>
    public async Task<ApiResponse> ResetBaselineAsync(string id, CancellationToken cancellationToken)
    {
        var at = await runs.ResetBaselineAsync(id, cancellationToken);
        return at is null ? ApiResponse.NotFound("id", $"no guardian '{id}'") : ApiResponse.Json(new { guardian = id, baselineResetAt = at });
    }

    /// <summary>
    /// <c>POST /api/guardians/{id}/evaluations</c> with <c>{"start", "end", "purpose"?, "runId"?, "signals"?}</c>: schedules the
    /// release workflow and answers 202 with the check-status payload and its <c>statusQueryGetUri</c> as <c>Location</c>.
    /// </summary>
    public async Task<ApiResponse> EvaluateAsync(string id, WebhookRequest request, CheckStatusPayload checkStatus, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkStatus);
        var (order, problem) = ReadOrder(request);
        if (problem is not null)
        {
            return problem;
        }

        WorkflowStart started;
        switch (await runs.EvaluateAsync(id, order!, cancellationToken))
        {
            case EvaluationResult.GuardianMissing:
                return ApiResponse.NotFound("id", $"no guardian '{id}'");
            case EvaluationResult.Differs differs:
                return ApiResponse.Problem(409, differs.Fields[0],
                    $"run '{differs.RunId}' was already requested with another {string.Join(", ", differs.Fields)}; "
                    + "post the same input again, or choose another runId");
            case EvaluationResult.Scheduled scheduled:
                started = scheduled.Workflow;
                break;
            default:
                return ApiResponse.Empty(500);
        }

        var (payload, statusUri) = CheckStatusJson.Of(checkStatus, started.InstanceId);
        var response = ApiResponse.Json(payload, 202);
        return statusUri is null ? response : response.WithHeader("Location", statusUri);
    }

    private static (EvaluationOrder? Order, ApiResponse? Problem) ReadOrder(WebhookRequest request)
    {
        var (body, problem) = ReadJson(request);
        if (problem is not null)
        {
            return (null, problem);
        }

        if (body is not { ValueKind: JsonValueKind.Object } json)
        {
            return (null, ApiResponse.Problem(400, "$", "send a JSON object: {\"start\":\"2026-11-24T10:00:00Z\",\"end\":\"2026-11-24T10:05:00Z\"}"));
        }

        if (!TryTime(json, "start", out var start, out problem) || !TryTime(json, "end", out var end, out problem))
        {
            return (null, problem);
        }

        if (end <= start)
        {
            return (null, ApiResponse.Problem(400, "end", "must be after start"));
        }

        var purpose = RunPurpose.Validation;
        if (json.TryGetProperty("purpose", out var p) && (p.ValueKind != JsonValueKind.String || !DefinitionNames.Purposes.TryGetValue(p.GetString()!, out purpose)))
        {
            return (null, ApiResponse.Problem(400, "purpose", "must be training or validation"));
        }

        string? runId = null;
        if (json.TryGetProperty("runId", out var rid))
        {
            runId = rid.ValueKind == JsonValueKind.String ? rid.GetString() : null;
            // "." and ".." are path segments a URL resolves away: such a run could never be read back.
            if (runId is null or "." or ".." || runId.Length is 0 or > 64 || !runId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return (null, ApiResponse.Problem(400, "runId", "must be 1-64 letters, digits, '-', '_' or '.', and not '.' or '..'"));
            }
        }

        Dictionary<string, double>? signals = null;
        if (json.TryGetProperty("signals", out var s))
        {
            if (s.ValueKind != JsonValueKind.Object)
            {
                return (null, ApiResponse.Problem(400, "signals", "must be an object of signal name to number"));
            }

            signals = [];
            foreach (var signal in s.EnumerateObject())
            {
                if (signal.Value.ValueKind != JsonValueKind.Number || !double.IsFinite(signal.Value.GetDouble()))
                {
                    return (null, ApiResponse.Problem(400, $"signals[\"{signal.Name}\"]", "must be a finite number"));
                }

                signals[signal.Name] = signal.Value.GetDouble();
            }
        }

        return (new EvaluationOrder(start, end, purpose, runId, signals), null);
    }

    private static bool TryTime(JsonElement json, string name, out DateTimeOffset value, out ApiResponse? problem)
    {
        problem = null;
        if (json.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String && element.TryGetDateTimeOffset(out value))
        {
            return true;
        }

        value = default;
        problem = ApiResponse.Problem(400, name, "must be an ISO 8601 time, e.g. 2026-11-24T10:00:00Z");
        return false;
    }

    private static (JsonElement? Json, ApiResponse? Problem) ReadJson(WebhookRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Body.IsEmpty)
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(request.Body);
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException e)
        {
            return (null, ApiResponse.Problem(400, "$", $"the body is not valid JSON: {e.Message}"));
        }
    }

    private static object Summary(RunRecord run)
    {
        var verdict = run.VerdictJson is null ? (JsonElement?)null : JsonDocument.Parse(run.VerdictJson).RootElement;
        return new
        {
            runId = run.RunId,
            purpose = DefinitionNames.Of(run.Purpose),
            window = new { start = run.WindowStart, end = run.WindowEnd },
            status = run.Status,
            decision = verdict?.TryGetProperty("decision", out var d) == true ? d.GetString() : null,
            score = verdict?.TryGetProperty("score", out var s) == true && s.ValueKind == JsonValueKind.Number ? s.GetDouble() : (double?)null,
            invalidated = run.Invalidated,
            invalidatedReason = run.InvalidatedReason,
            createdAt = run.CreatedAt,
        };
    }

    private static object Detail(RunRecord run, RunRollback? rollback) => new
    {
        guardian = run.GuardianId,
        runId = run.RunId,
        purpose = DefinitionNames.Of(run.Purpose),
        window = new { start = run.WindowStart, end = run.WindowEnd },
        signals = run.Signals,
        status = run.Status,
        verdict = run.VerdictJson is null ? (JsonElement?)null : JsonDocument.Parse(run.VerdictJson).RootElement,
        changeUnderTest = run.ChangeUnderTestJson is null ? (JsonElement?)null : JsonDocument.Parse(run.ChangeUnderTestJson).RootElement,
        rollback = rollback is null ? null : new
        {
            result = rollback.Result ?? "in-progress",
            summary = rollback.Summary,
            manualSteps = rollback.ManualSteps,
            attempts = rollback.Attempts,
            byRunId = rollback.ByRunId,
            byThisRun = rollback.ByThisRun,
        },
        invalidated = run.Invalidated,
        invalidatedReason = run.InvalidatedReason,
        createdAt = run.CreatedAt,
    };
}
