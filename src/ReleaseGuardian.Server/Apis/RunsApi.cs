using System.Text.Json;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Runs;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Server.Http;

namespace ReleaseGuardian.Server.Apis;

/// <summary>Runs with their evidence, invalidation, baseline reset and manual evaluations; behind the API key.</summary>
internal static class RunsApi
{
    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/").AddEndpointFilter<ApiKeyFilter>();
        api.MapGet(HttpRoutes.Runs, ListAsync);
        api.MapGet(HttpRoutes.Run, GetAsync);
        api.MapPost(HttpRoutes.InvalidateRun, InvalidateAsync);
        api.MapPost(HttpRoutes.ResetBaseline, ResetAsync);
        api.MapPost(HttpRoutes.Evaluations, EvaluateAsync);
        return app;
    }

    private static async Task<IResult> ListAsync(string id, int? pageSize, string? continuation, RunService runs, CancellationToken ct)
    {
        if (pageSize is < 1 or > 200)
        {
            return Problems.Of(400, "pageSize", "must be between 1 and 200");
        }

        try
        {
            var page = await runs.ListAsync(id, pageSize ?? 50, continuation, ct);
            return page is null
                ? Problems.NotFound("id", $"no guardian '{id}'")
                : Results.Json(new { guardian = id, runs = page.Items.Select(Summary).ToList(), continuation = page.Continuation });
        }
        catch (InvalidContinuationException e)
        {
            return Problems.Of(400, e.Field, e.Message);
        }
    }

    private static async Task<IResult> GetAsync(string id, string runId, RunService runs, CancellationToken ct)
    {
        var run = await runs.GetAsync(id, runId, ct);
        return run is null ? Problems.NotFound("runId", $"no run '{runId}' for guardian '{id}'") : Results.Json(Detail(run));
    }

    private static async Task<IResult> InvalidateAsync(string id, string runId, HttpContext http, RunService runs, CancellationToken ct)
    {
        var body = await ReadJsonAsync(http, ct);
        if (body is { Problem: { } problem })
        {
            return problem;
        }

        var reason = body.Json is { ValueKind: JsonValueKind.Object } json && json.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String
            ? r.GetString()
            : null;
        if (string.IsNullOrWhiteSpace(reason))
        {
            return Problems.Of(400, "reason", "say why the run should leave the baseline, e.g. {\"reason\":\"load generator was saturated\"}");
        }

        return await runs.InvalidateAsync(id, runId, reason, ct)
            ? Results.Ok(new { guardian = id, runId, invalidated = true, reason })
            : Problems.NotFound("runId", $"no run '{runId}' for guardian '{id}'");
    }

    private static async Task<IResult> ResetAsync(string id, RunService runs, CancellationToken ct)
    {
        var at = await runs.ResetBaselineAsync(id, ct);
        return at is null ? Problems.NotFound("id", $"no guardian '{id}'") : Results.Ok(new { guardian = id, baselineResetAt = at });
    }

    private static async Task<IResult> EvaluateAsync(string id, HttpContext http, RunService runs, CancellationToken ct)
    {
        var body = await ReadJsonAsync(http, ct);
        if (body is { Problem: { } problem })
        {
            return problem;
        }

        if (body.Json is not { ValueKind: JsonValueKind.Object } json)
        {
            return Problems.Of(400, "$", "send a JSON object: {\"start\":\"2026-11-24T10:00:00Z\",\"end\":\"2026-11-24T10:05:00Z\"}");
        }

        if (!TryTime(json, "start", out var start, out var startProblem))
        {
            return startProblem!;
        }

        if (!TryTime(json, "end", out var end, out var endProblem))
        {
            return endProblem!;
        }

        if (end <= start)
        {
            return Problems.Of(400, "end", "must be after start");
        }

        var purpose = Core.LoadTests.RunPurpose.Validation;
        if (json.TryGetProperty("purpose", out var p) && (p.ValueKind != JsonValueKind.String || !DefinitionNames.Purposes.TryGetValue(p.GetString()!, out purpose)))
        {
            return Problems.Of(400, "purpose", "must be training or validation");
        }

        string? runId = null;
        if (json.TryGetProperty("runId", out var rid))
        {
            runId = rid.ValueKind == JsonValueKind.String ? rid.GetString() : null;
            if (runId is null || runId.Length is 0 or > 64 || !runId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return Problems.Of(400, "runId", "must be 1-64 letters, digits, '-', '_' or '.'");
            }
        }

        Dictionary<string, double>? signals = null;
        if (json.TryGetProperty("signals", out var s))
        {
            if (s.ValueKind != JsonValueKind.Object)
            {
                return Problems.Of(400, "signals", "must be an object of signal name to number");
            }

            signals = [];
            foreach (var signal in s.EnumerateObject())
            {
                if (signal.Value.ValueKind != JsonValueKind.Number || !double.IsFinite(signal.Value.GetDouble()))
                {
                    return Problems.Of(400, $"signals[\"{signal.Name}\"]", "must be a finite number");
                }

                signals[signal.Name] = signal.Value.GetDouble();
            }
        }

        var started = await runs.EvaluateAsync(id, new EvaluationOrder(start, end, purpose, runId, signals), ct);
        if (started is null)
        {
            return Problems.NotFound("id", $"no guardian '{id}'");
        }

        var payload = CheckStatus.Payload(http.Request, started.InstanceId);
        http.Response.Headers.Location = CheckStatus.StatusUri(http.Request, started.InstanceId);
        return Results.Json(payload, statusCode: StatusCodes.Status202Accepted);
    }

    private static bool TryTime(JsonElement json, string name, out DateTimeOffset value, out IResult? problem)
    {
        value = default;
        problem = null;
        if (json.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String && element.TryGetDateTimeOffset(out value))
        {
            return true;
        }

        problem = Problems.Of(400, name, "must be an ISO 8601 time, e.g. 2026-11-24T10:00:00Z");
        return false;
    }

    private static async Task<(JsonElement? Json, IResult? Problem)> ReadJsonAsync(HttpContext http, CancellationToken ct)
    {
        var (request, tooLarge) = await WebhookRequestReader.ReadAsync(http.Request, ct);
        if (tooLarge is not null)
        {
            return (null, Problems.From(tooLarge));
        }

        if (request!.Body.IsEmpty)
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
            return (null, Problems.Of(400, "$", $"the body is not valid JSON: {e.Message}"));
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

    private static object Detail(RunRecord run) => new
    {
        guardian = run.GuardianId,
        runId = run.RunId,
        purpose = DefinitionNames.Of(run.Purpose),
        window = new { start = run.WindowStart, end = run.WindowEnd },
        signals = run.Signals,
        status = run.Status,
        verdict = run.VerdictJson is null ? (JsonElement?)null : JsonDocument.Parse(run.VerdictJson).RootElement,
        changeUnderTest = run.ChangeUnderTestJson is null ? (JsonElement?)null : JsonDocument.Parse(run.ChangeUnderTestJson).RootElement,
        invalidated = run.Invalidated,
        invalidatedReason = run.InvalidatedReason,
        createdAt = run.CreatedAt,
    };
}
