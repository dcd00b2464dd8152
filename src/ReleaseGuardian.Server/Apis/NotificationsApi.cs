using System.Text.Json;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Infrastructure.HttpApi;
using ReleaseGuardian.Server.Http;

namespace ReleaseGuardian.Server.Apis;

/// <summary>Rollback and verdict notifications with their evidence and delivery outcomes; behind the API key.</summary>
internal static class NotificationsApi
{
    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/" + HttpRoutes.Notifications, (HttpContext http, NotificationEndpoints notifications) =>
                ApiExchange.RespondAsync(http, request => notifications.ListAsync(request, http.RequestAborted)))
            .RequireManagementKey()
            .WithName("ListNotifications").WithTags("Notifications").WithSummary("Rollback and verdict notifications with their delivery outcomes, newest first.")
            .Query("guardian", "Only this guardian's notifications.")
            .Paged()
            .Returns<JsonElement>(StatusCodes.Status200OK, "{notifications:[{id, guardian, kind, time, message, deliveries}], continuation}.");
        return app;
    }
}
