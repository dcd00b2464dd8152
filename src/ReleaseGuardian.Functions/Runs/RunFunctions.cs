using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Functions.Http;
using ReleaseGuardian.Functions.Workflow;
using ReleaseGuardian.Infrastructure.HttpApi;

namespace ReleaseGuardian.Functions.Runs;

/// <summary>Runs, invalidation, baseline reset and manual evaluations: management routes (function key, plus <c>Guardian:ApiKey</c>).</summary>
public sealed class RunFunctions(RunEndpoints endpoints, ManagementKey key, InvocationDurableClient durable)
{
    /// <summary><c>GET /api/guardians/{id}/runs</c>.</summary>
    [Function("ListRuns")]
    public Task<IActionResult> ListRuns(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = FunctionRoutes.Runs)] HttpRequest http,
        string id, CancellationToken cancellationToken) =>
        HttpExchange.ManagementAsync(http, key, request => endpoints.ListAsync(id, request, cancellationToken));

    /// <summary><c>GET /api/guardians/{id}/runs/{runId}</c>.</summary>
    [Function("GetRun")]
    public Task<IActionResult> GetRun(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = FunctionRoutes.Run)] HttpRequest http,
        string id, string runId, CancellationToken cancellationToken) =>
        HttpExchange.ManagementAsync(http, key, _ => endpoints.GetAsync(id, runId, cancellationToken));

    /// <summary><c>POST /api/guardians/{id}/runs/{runId}/invalidate</c>.</summary>
    [Function("InvalidateRun")]
    public Task<IActionResult> InvalidateRun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = FunctionRoutes.InvalidateRun)] HttpRequest http,
        string id, string runId, CancellationToken cancellationToken) =>
        HttpExchange.ManagementAsync(http, key, request => endpoints.InvalidateAsync(id, runId, request, cancellationToken));

    /// <summary><c>POST /api/guardians/{id}/baseline/reset</c>.</summary>
    [Function("ResetBaseline")]
    public Task<IActionResult> ResetBaseline(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = FunctionRoutes.ResetBaseline)] HttpRequest http,
        string id, CancellationToken cancellationToken) =>
        HttpExchange.ManagementAsync(http, key, _ => endpoints.ResetBaselineAsync(id, cancellationToken));

    /// <summary><c>POST /api/guardians/{id}/evaluations</c>: starts the workflow, answers 202 with the check-status payload.</summary>
    [Function("StartEvaluation")]
    public Task<IActionResult> StartEvaluation(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = FunctionRoutes.Evaluations)] HttpRequest http,
        string id, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        durable.Use(client);
        return HttpExchange.ManagementAsync(http, key, request => endpoints.EvaluateAsync(id, request, HttpExchange.CheckStatusFor(client), cancellationToken));
    }
}
