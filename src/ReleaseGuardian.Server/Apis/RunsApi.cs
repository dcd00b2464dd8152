using System.Text.Json;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Infrastructure.HttpApi;
using ReleaseGuardian.Server.Http;

namespace ReleaseGuardian.Server.Apis;

/// <summary>Runs with their evidence, invalidation, baseline reset and manual evaluations; behind the API key.</summary>
internal static class RunsApi
{
    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/").RequireManagementKey().WithTags("Runs");
        api.MapGet(HttpRoutes.Runs, (string id, HttpContext http, RunEndpoints runs) =>
                ApiExchange.RespondAsync(http, request => runs.ListAsync(id, request, http.RequestAborted)))
            .WithName("ListRuns").WithSummary("A guardian's runs with their verdicts, newest first.")
            .Paged()
            .Returns<JsonElement>(StatusCodes.Status200OK, "{guardian, runs:[...], continuation}.")
            .Problem(StatusCodes.Status404NotFound, "id: no such guardian.");
        api.MapGet(HttpRoutes.Run, (string id, string runId, HttpContext http, RunEndpoints runs) =>
                ApiExchange.RespondAsync(http, _ => runs.GetAsync(id, runId, http.RequestAborted)))
            .WithName("GetRun").WithSummary("One run with its full evidence: signals, per-objective judgement, verdict and rollback.")
            .Returns<JsonElement>(StatusCodes.Status200OK, "The run and its evidence (docs: results format).")
            .Problem(StatusCodes.Status404NotFound, "runId: no such run for the guardian.");
        api.MapPost(HttpRoutes.InvalidateRun, (string id, string runId, HttpContext http, RunEndpoints runs) =>
                ApiExchange.RespondAsync(http, request => runs.InvalidateAsync(id, runId, request, http.RequestAborted)))
            .WithName("InvalidateRun").WithSummary("Removes a run from the baseline, with the reason.")
            .Body<InvalidationDocument>("Why the run leaves the baseline.")
            .Returns<JsonElement>(StatusCodes.Status200OK, "{guardian, runId, invalidated: true, reason}.")
            .Problem(StatusCodes.Status400BadRequest, "reason is missing, or the body is not JSON.")
            .Problem(StatusCodes.Status404NotFound, "runId: no such run for the guardian.")
            .TooLarge();
        api.MapPost(HttpRoutes.ResetBaseline, (string id, HttpContext http, RunEndpoints runs) =>
                ApiExchange.RespondAsync(http, _ => runs.ResetBaselineAsync(id, http.RequestAborted)))
            .WithName("ResetBaseline").WithSummary("Starts training again: earlier runs no longer count for the baseline.")
            .Returns<JsonElement>(StatusCodes.Status200OK, "{guardian, baselineResetAt}.")
            .Problem(StatusCodes.Status404NotFound, "id: no such guardian.")
            .TooLarge();
        api.MapPost(HttpRoutes.Evaluations, (string id, HttpContext http, RunEndpoints runs) =>
                ApiExchange.RespondAsync(http, request => runs.EvaluateAsync(id, request, ApiExchange.CheckStatusFor(http.Request), http.RequestAborted)))
            .WithName("StartEvaluation").WithSummary("Judges a time window now: starts the release workflow.")
            .Body<EvaluationOrderDocument>("The window to judge.")
            .Returns<CheckStatusDocument>(StatusCodes.Status202Accepted, "Started: the check-status payload; Location is its statusQueryGetUri.")
            .Problem(StatusCodes.Status400BadRequest, "start, end, purpose, runId or signals is invalid; field names it.")
            .Problem(StatusCodes.Status404NotFound, "id: no such guardian.")
            .Problem(StatusCodes.Status409Conflict, "runId: already asked for with another window, purpose or signals; field names what differs.")
            .TooLarge();
        return app;
    }
}
