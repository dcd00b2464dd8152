using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Infrastructure.HttpApi;
using ReleaseGuardian.Server.Http;

namespace ReleaseGuardian.Server.Apis;

/// <summary>Runs with their evidence, invalidation, baseline reset and manual evaluations; behind the API key.</summary>
internal static class RunsApi
{
    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/").AddEndpointFilter<ApiKeyFilter>();
        api.MapGet(HttpRoutes.Runs, (string id, HttpContext http, RunEndpoints runs) =>
            ApiExchange.RespondAsync(http, request => runs.ListAsync(id, request, http.RequestAborted)));
        api.MapGet(HttpRoutes.Run, (string id, string runId, HttpContext http, RunEndpoints runs) =>
            ApiExchange.RespondAsync(http, _ => runs.GetAsync(id, runId, http.RequestAborted)));
        api.MapPost(HttpRoutes.InvalidateRun, (string id, string runId, HttpContext http, RunEndpoints runs) =>
            ApiExchange.RespondAsync(http, request => runs.InvalidateAsync(id, runId, request, http.RequestAborted)));
        api.MapPost(HttpRoutes.ResetBaseline, (string id, HttpContext http, RunEndpoints runs) =>
            ApiExchange.RespondAsync(http, _ => runs.ResetBaselineAsync(id, http.RequestAborted)));
        api.MapPost(HttpRoutes.Evaluations, (string id, HttpContext http, RunEndpoints runs) =>
            ApiExchange.RespondAsync(http, request => runs.EvaluateAsync(id, request, ApiExchange.CheckStatusFor(http.Request), http.RequestAborted)));
        return app;
    }
}
