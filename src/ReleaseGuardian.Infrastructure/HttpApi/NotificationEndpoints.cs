using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Storage;

namespace ReleaseGuardian.Infrastructure.HttpApi;

/// <summary>Rollback and verdict notifications with their delivery outcomes as HTTP answers; a management route.</summary>
public sealed class NotificationEndpoints(INotificationStore notifications)
{
    /// <summary><c>GET /api/notifications?guardian=&amp;pageSize=&amp;continuation=</c>.</summary>
    public async Task<ApiResponse> ListAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (pageSize, problem) = QueryPaging.PageSize(request);
        if (problem is not null)
        {
            return problem;
        }

        try
        {
            var guardian = request.QueryValue("guardian");
            var page = await notifications.ListAsync(string.IsNullOrEmpty(guardian) ? null : guardian, pageSize, QueryPaging.Continuation(request), cancellationToken);
            return ApiResponse.Json(new
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
            return ApiResponse.Problem(400, e.Field, e.Message);
        }
    }
}
