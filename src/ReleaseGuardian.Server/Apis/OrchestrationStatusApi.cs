using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Infrastructure.HttpApi;
using ReleaseGuardian.Server.Http;
using ReleaseGuardian.Server.Workflow;

namespace ReleaseGuardian.Server.Apis;

/// <summary>
/// The Durable Functions status route, served with the same JSON shape by the standalone host: 202 with a
/// Location header while the instance runs, 200 when it is done, 404 for an unknown id.
/// </summary>
internal static class OrchestrationStatusApi
{
    public static IEndpointRouteBuilder MapOrchestrationStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/" + HttpRoutes.OrchestrationStatus, GetStatusAsync)
            .AddEndpointFilter<ApiKeyFilter>()
            .WithName("GetOrchestrationStatus");
        // The Durable terminate API: 202 when a running instance was terminated, 410 when it had finished, 404 when unknown.
        app.MapPost("/" + HttpRoutes.OrchestrationStatus + "/terminate", TerminateAsync)
            .AddEndpointFilter<ApiKeyFilter>()
            .WithName("TerminateOrchestration");
        return app;
    }

    private static async Task<IResult> TerminateAsync(string id, string? reason, DurableWorkflowClient engine, CancellationToken cancellationToken)
    {
        var status = await engine.GetStatusAsync(id, cancellationToken);
        if (status is null)
        {
            return new ApiResult(ApiResponse.NotFound("id", $"no orchestration instance '{id}'"));
        }

        if (status.IsFinished)
        {
            return new ApiResult(ApiResponse.Problem(410, "id", $"instance '{id}' has already finished ({status.RuntimeStatus})"));
        }

        await engine.TerminateAsync(id, string.IsNullOrWhiteSpace(reason) ? "terminated through the Durable API" : reason, cancellationToken);
        return Results.Accepted();
    }

    private static async Task<IResult> GetStatusAsync(string id, HttpContext http, IWorkflowStatusReader statuses, CancellationToken cancellationToken)
    {
        var status = await statuses.GetStatusAsync(id, cancellationToken);
        if (status is null)
        {
            return new ApiResult(ApiResponse.NotFound("id", $"no orchestration instance '{id}'"));
        }

        var body = new
        {
            name = status.Name,
            instanceId = status.InstanceId,
            runtimeStatus = status.RuntimeStatus,
            input = status.Input,
            customStatus = status.CustomStatus,
            output = status.Output,
            createdTime = status.CreatedTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            lastUpdatedTime = status.LastUpdatedTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        };
        if (status.IsFinished)
        {
            return Results.Ok(body);
        }

        http.Response.Headers.Location = CheckStatus.StatusUri(http.Request, id);
        return Results.Json(body, statusCode: StatusCodes.Status202Accepted);
    }
}

/// <summary>The Durable check-status payload (<c>id, statusQueryGetUri, ...</c>) for the standalone host.</summary>
internal static class CheckStatus
{
    public static string StatusUri(HttpRequest request, string instanceId)
    {
        var code = request.Headers[ApiKeyFilter.HeaderName].FirstOrDefault() ?? request.Query[ApiKeyFilter.QueryName].FirstOrDefault();
        var uri = $"{request.Scheme}://{request.Host}/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}";
        return string.IsNullOrEmpty(code) ? uri : uri + "?code=" + Uri.EscapeDataString(code);
    }

    public static object Payload(HttpRequest request, string instanceId)
    {
        var status = StatusUri(request, instanceId);
        var baseUri = status.Split('?')[0];
        var query = status.Contains('?') ? "?" + status.Split('?')[1] : "";
        return new
        {
            id = instanceId,
            statusQueryGetUri = status,
            sendEventPostUri = $"{baseUri}/raiseEvent/{{eventName}}{query}",
            terminatePostUri = $"{baseUri}/terminate?reason={{text}}{query.Replace("?", "&")}",
            purgeHistoryDeleteUri = status,
        };
    }
}
