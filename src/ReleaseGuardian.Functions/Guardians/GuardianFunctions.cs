using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Functions.Http;
using ReleaseGuardian.Infrastructure.HttpApi;

namespace ReleaseGuardian.Functions.Guardians;

/// <summary>Guardian definitions and timelines: management routes (function key, plus <c>Guardian:ApiKey</c>).</summary>
public sealed class GuardianFunctions(GuardianEndpoints endpoints, ManagementKey key)
{
    /// <summary><c>GET /api/guardians?pageSize=&amp;continuation=</c>.</summary>
    [Function("ListGuardians")]
    public Task<IActionResult> ListGuardians(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = FunctionRoutes.Guardians)] HttpRequest http,
        CancellationToken cancellationToken) =>
        HttpExchange.ManagementAsync(http, key, request => endpoints.ListAsync(request, cancellationToken));

    /// <summary><c>PUT /api/guardians/{id}</c>.</summary>
    [Function("PutGuardian")]
    public Task<IActionResult> PutGuardian(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = FunctionRoutes.Guardian)] HttpRequest http,
        string id, CancellationToken cancellationToken) =>
        HttpExchange.ManagementAsync(http, key, request => endpoints.PutAsync(id, request, cancellationToken));

    /// <summary><c>GET /api/guardians/{id}</c>.</summary>
    [Function("GetGuardian")]
    public Task<IActionResult> GetGuardian(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = FunctionRoutes.Guardian)] HttpRequest http,
        string id, CancellationToken cancellationToken) =>
        HttpExchange.ManagementAsync(http, key, _ => endpoints.GetAsync(id, cancellationToken));

    /// <summary><c>DELETE /api/guardians/{id}</c>.</summary>
    [Function("DeleteGuardian")]
    public Task<IActionResult> DeleteGuardian(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = FunctionRoutes.Guardian)] HttpRequest http,
        string id, CancellationToken cancellationToken) =>
        HttpExchange.ManagementAsync(http, key, _ => endpoints.DeleteAsync(id, cancellationToken));

    /// <summary><c>GET /api/guardians/{id}/timeline</c>.</summary>
    [Function("GuardianTimeline")]
    public Task<IActionResult> GuardianTimeline(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = FunctionRoutes.Timeline)] HttpRequest http,
        string id, CancellationToken cancellationToken) =>
        HttpExchange.ManagementAsync(http, key, request => endpoints.TimelineAsync(id, request, cancellationToken));
}
