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
            .RequireManagementKey()
            .WithName("GetOrchestrationStatus").WithTags("Workflows")
            .WithSummary("A release workflow's status, as Durable Functions' built-in status route answers it.")
            .Returns<OrchestrationStatusDocument>(StatusCodes.Status200OK, "The workflow finished (Completed, Failed or Terminated); output holds the verdict.")
            .Returns<OrchestrationStatusDocument>(StatusCodes.Status202Accepted, "The workflow is still running; Location is this URL.")
            .Problem(StatusCodes.Status404NotFound, "id: no such orchestration instance.");
        // The Durable terminate API: 202 when a running instance was terminated, 410 when it had finished, 404 when unknown.
        app.MapPost("/" + HttpRoutes.OrchestrationStatus + "/terminate", TerminateAsync)
            .RequireManagementKey()
            .WithName("TerminateOrchestration").WithTags("Workflows")
            .WithSummary("Terminates a running instance, as Durable Functions' built-in terminate route does (reason in ?reason=).")
            .ReturnsEmpty(StatusCodes.Status202Accepted, "The instance was running and is terminated.")
            .Problem(StatusCodes.Status404NotFound, "id: no such orchestration instance.")
            .Problem(StatusCodes.Status410Gone, "id: the instance had already finished.")
            .TooLarge();
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

/// <summary>
/// The Durable check-status payload (<c>id, statusQueryGetUri, ...</c>) for the standalone host. Its URLs are built on
/// <see cref="PublicUrls"/>, never on an arbitrary Host header, and never carry the management key: a client follows
/// them with the key in <c>x-functions-key</c>, as it sent it.
/// </summary>
internal static class CheckStatus
{
    public static string StatusUri(HttpRequest request, string instanceId)
    {
        var urls = request.HttpContext.RequestServices.GetRequiredService<PublicUrls>();
        return $"{urls.BaseFor(request.Scheme, request.Host.Value)}/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}";
    }

    public static object Payload(HttpRequest request, string instanceId)
    {
        var status = StatusUri(request, instanceId);
        return new
        {
            id = instanceId,
            statusQueryGetUri = status,
            // Every member of Durable Functions' HttpManagementPayload, in its order, so a client reads both hosts alike.
            sendEventPostUri = $"{status}/raiseEvent/{{eventName}}",
            terminatePostUri = $"{status}/terminate?reason={{text}}",
            rewindPostUri = $"{status}/rewind?reason={{text}}",
            purgeHistoryDeleteUri = status,
            restartPostUri = $"{status}/restart",
            suspendPostUri = $"{status}/suspend?reason={{text}}",
            resumePostUri = $"{status}/resume?reason={{text}}",
        };
    }
}
