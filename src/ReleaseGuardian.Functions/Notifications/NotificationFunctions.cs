using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Functions.Http;
using ReleaseGuardian.Infrastructure.HttpApi;

namespace ReleaseGuardian.Functions.Notifications;

/// <summary>Rollback and verdict notifications: a management route (function key, plus <c>Guardian:ApiKey</c>).</summary>
public sealed class NotificationFunctions(NotificationEndpoints endpoints, ManagementKey key)
{
    /// <summary><c>GET /api/notifications?guardian=&amp;pageSize=&amp;continuation=</c>.</summary>
    [Function("ListNotifications")]
    public Task<IActionResult> ListNotifications(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = FunctionRoutes.Notifications)] HttpRequest http,
        CancellationToken cancellationToken) =>
        HttpExchange.ManagementAsync(http, key, request => endpoints.ListAsync(request, cancellationToken));
}
