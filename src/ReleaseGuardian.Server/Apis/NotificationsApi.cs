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
            .AddEndpointFilter<ApiKeyFilter>();
        return app;
    }
}
