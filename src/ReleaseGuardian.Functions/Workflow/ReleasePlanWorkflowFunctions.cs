using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Functions.Http;
using ReleaseGuardian.Infrastructure.HttpApi;

namespace ReleaseGuardian.Functions.Workflow;

/// <summary>The release plan orchestrator (issue 15), written once in Application.</summary>
public static class ReleasePlanOrchestrator
{
    /// <summary><see cref="ReleasePlanWorkflow.RunAsync"/> over the Durable context; the input is a declared parameter, as the release workflow's.</summary>
    [Function(WorkflowNames.ReleasePlan)]
    public static Task<ReleaseReport> RunReleasePlan([OrchestrationTrigger] TaskOrchestrationContext context, ReleaseRequest request) =>
        ReleasePlanWorkflow.RunAsync(new DurableWorkflowContext(context), request);
}

/// <summary>The release plan activities, each calling <see cref="IReleasePlanActivities"/>.</summary>
public sealed class ReleasePlanActivityFunctions(IReleasePlanActivities activities)
{
    /// <summary><see cref="WorkflowNames.CaptureFlagState"/>.</summary>
    [Function(WorkflowNames.CaptureFlagState)]
    public Task<CaptureFlagResult> CaptureFlagState([ActivityTrigger] CaptureFlagInput input, CancellationToken cancellationToken) =>
        activities.CaptureFlagStateAsync(input, cancellationToken);

    /// <summary><see cref="WorkflowNames.SetFlagRollout"/>.</summary>
    [Function(WorkflowNames.SetFlagRollout)]
    public Task<RolloutWriteResult> SetFlagRollout([ActivityTrigger] SetRolloutInput input, CancellationToken cancellationToken) =>
        activities.SetFlagRolloutAsync(input, cancellationToken);

    /// <summary><see cref="WorkflowNames.RestoreFlagState"/>.</summary>
    [Function(WorkflowNames.RestoreFlagState)]
    public Task<RolloutWriteResult> RestoreFlagState([ActivityTrigger] RestoreFlagInput input, CancellationToken cancellationToken) =>
        activities.RestoreFlagStateAsync(input, cancellationToken);

    /// <summary><see cref="WorkflowNames.RecordRelease"/>.</summary>
    [Function(WorkflowNames.RecordRelease)]
    public Task<RecordReleaseResult> RecordRelease([ActivityTrigger] RecordReleaseInput input, CancellationToken cancellationToken) =>
        activities.RecordReleaseAsync(input, cancellationToken);

    /// <summary><see cref="WorkflowNames.ReleaseFlagLock"/>.</summary>
    [Function(WorkflowNames.ReleaseFlagLock)]
    public Task<bool> ReleaseFlagLock([ActivityTrigger] ReleaseLockInput input, CancellationToken cancellationToken) =>
        activities.ReleaseFlagLockAsync(input, cancellationToken);
}

/// <summary>Release plans over HTTP: management routes (function key, plus <c>Guardian:ApiKey</c>).</summary>
public sealed class ReleaseFunctions(ReleaseEndpoints endpoints, ManagementKey key, InvocationDurableClient durable)
{
    /// <summary><c>POST /api/guardians/{id}/releases</c>: starts a release, answers 202 with the check-status payload.</summary>
    [Function("StartRelease")]
    public Task<IActionResult> StartRelease(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = FunctionRoutes.Releases)] HttpRequest http,
        string id, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        durable.Use(client);
        return HttpExchange.ManagementAsync(http, key, request => endpoints.StartAsync(id, request, HttpExchange.CheckStatusFor(client), cancellationToken));
    }

    /// <summary><c>GET /api/guardians/{id}/releases</c>.</summary>
    [Function("ListReleases")]
    public Task<IActionResult> ListReleases(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = FunctionRoutes.Releases)] HttpRequest http,
        string id, CancellationToken cancellationToken) =>
        HttpExchange.ManagementAsync(http, key, request => endpoints.ListAsync(id, request, cancellationToken));

    /// <summary><c>GET /api/guardians/{id}/releases/{releaseId}</c>.</summary>
    [Function("GetRelease")]
    public Task<IActionResult> GetRelease(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = FunctionRoutes.Release)] HttpRequest http,
        string id, string releaseId, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        durable.Use(client);
        return HttpExchange.ManagementAsync(http, key, _ => endpoints.GetAsync(id, releaseId, cancellationToken));
    }

    /// <summary><c>POST /api/guardians/{id}/releases/{releaseId}/approve</c>.</summary>
    [Function("ApproveRelease")]
    public Task<IActionResult> ApproveRelease(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = FunctionRoutes.ApproveRelease)] HttpRequest http,
        string id, string releaseId, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        ControlAsync(http, id, releaseId, ReleaseActions.Approve, client, cancellationToken);

    /// <summary><c>POST /api/guardians/{id}/releases/{releaseId}/pause</c>.</summary>
    [Function("PauseRelease")]
    public Task<IActionResult> PauseRelease(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = FunctionRoutes.PauseRelease)] HttpRequest http,
        string id, string releaseId, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        ControlAsync(http, id, releaseId, ReleaseActions.Pause, client, cancellationToken);

    /// <summary><c>POST /api/guardians/{id}/releases/{releaseId}/resume</c>.</summary>
    [Function("ResumeRelease")]
    public Task<IActionResult> ResumeRelease(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = FunctionRoutes.ResumeRelease)] HttpRequest http,
        string id, string releaseId, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        ControlAsync(http, id, releaseId, ReleaseActions.Resume, client, cancellationToken);

    /// <summary><c>POST /api/guardians/{id}/releases/{releaseId}/abort</c>.</summary>
    [Function("AbortRelease")]
    public Task<IActionResult> AbortRelease(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = FunctionRoutes.AbortRelease)] HttpRequest http,
        string id, string releaseId, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        ControlAsync(http, id, releaseId, ReleaseActions.Abort, client, cancellationToken);

    private Task<IActionResult> ControlAsync(HttpRequest http, string id, string releaseId, string action, DurableTaskClient client, CancellationToken cancellationToken)
    {
        durable.Use(client);
        return HttpExchange.ManagementAsync(http, key, request => endpoints.ControlAsync(id, releaseId, action, request, cancellationToken));
    }
}

/// <summary><see cref="IReleaseScheduler"/> over the Durable client of the current invocation.</summary>
internal sealed class DurableReleaseScheduler(InvocationDurableClient invocation) : IReleaseScheduler
{
    public Task StartAsync(string instanceId, ReleaseRequest request, CancellationToken cancellationToken) =>
        invocation.Client.ScheduleNewOrchestrationInstanceAsync(
            WorkflowNames.ReleasePlan, request, new StartOrchestrationOptions(InstanceId: instanceId), cancellationToken);

    public async Task<ReleaseInstance?> GetAsync(string instanceId, CancellationToken cancellationToken)
    {
        var instance = await invocation.Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
        {
            return null;
        }

        WorkflowProgress? progress = null;
        if (instance.SerializedCustomStatus is { Length: > 0 } custom)
        {
            try
            {
                progress = JsonSerializer.Deserialize(custom, WorkflowJsonContext.Default.WorkflowProgress);
            }
            catch (JsonException)
            {
                // A status that is not progress (none is written by this app) reads as none.
            }
        }

        return new ReleaseInstance(instance.RuntimeStatus.ToString(), progress);
    }

    public Task RaiseAsync(string instanceId, ReleaseControl control, CancellationToken cancellationToken) =>
        invocation.Client.RaiseEventAsync(instanceId, ReleaseNames.ControlEvent, control, cancellationToken);
}
