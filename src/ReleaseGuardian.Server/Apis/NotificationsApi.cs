using System.Text.Json;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Server.Http;

namespace ReleaseGuardian.Server.Apis;

/// <summary>Rollback and verdict notifications with their evidence and delivery outcomes; behind the API key.</summary>
internal static class NotificationsApi
{
    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/" + HttpRoutes.Notifications, ListAsync).AddEndpointFilter<ApiKeyFilter>();
        return app;
    }

    private static async Task<IResult> ListAsync(string? guardian, int? pageSize, string? continuation, INotificationStore notifications, CancellationToken ct)
    {
        if (pageSize is < 1 or > 200)
        {
            return Problems.Of(400, "pageSize", "must be between 1 and 200");
        }

        try
        {
            var page = await notifications.ListAsync(string.IsNullOrEmpty(guardian) ? null : guardian, pageSize ?? 50, continuation, ct);
            return Results.Json(new
            {
                notifications = page.Items.Select(n => new
                {
                    id = n.Id,
                    guardian = n.GuardianId,
                    kind = n.Kind,
                    time = n.Time,
                    message = JsonDocument.Parse(n.BodyJson).RootElement,
                    deliveries = n.Deliveries.Select(d => new
                    {
                        target = d.Target,
                        delivered = d.Succeeded,
                        statusCode = d.StatusCode,
                        error = d.Error,
                        attempts = d.Attempts,
                        at = d.At,
                    }),
                }).ToList(),
                continuation = page.Continuation,
            });
        }
        catch (InvalidContinuationException e)
        {
            return Problems.Of(400, e.Field, e.Message);
        }
    }
}
