using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Functions.Http;
using ReleaseGuardian.Infrastructure.HttpApi;

namespace ReleaseGuardian.Functions.Workflow;

/// <summary>The baseline training orchestrator (DESIGN.md §2), written once in Application.</summary>
public static class BaselineTrainingOrchestrator
{
    /// <summary><see cref="BaselineTraining.RunAsync"/> over the Durable context; the input is a declared parameter, as the release workflow's.</summary>
    [Function(WorkflowNames.BaselineTraining)]
    public static Task<TrainingOutcome> RunBaselineTraining([OrchestrationTrigger] TaskOrchestrationContext context, TrainingRequest request) =>
        BaselineTraining.RunAsync(new DurableWorkflowContext(context), request);
}

/// <summary>The training activities, each calling <see cref="ITrainingActivities"/>.</summary>
public sealed class TrainingActivityFunctions(ITrainingActivities activities)
{
    /// <summary><see cref="WorkflowNames.LaunchLoadTest"/>.</summary>
    [Function(WorkflowNames.LaunchLoadTest)]
    public Task<LaunchLoadTestResult> LaunchLoadTest([ActivityTrigger] LaunchLoadTestInput input, CancellationToken cancellationToken) =>
        activities.LaunchLoadTestAsync(input, cancellationToken);

    /// <summary><see cref="WorkflowNames.PollLoadTest"/>.</summary>
    [Function(WorkflowNames.PollLoadTest)]
    public Task<PolledRunState> PollLoadTest([ActivityTrigger] PollLoadTestInput input, CancellationToken cancellationToken) =>
        activities.PollLoadTestAsync(input, cancellationToken);

    /// <summary><see cref="WorkflowNames.RecordPolledLoadTest"/>.</summary>
    [Function(WorkflowNames.RecordPolledLoadTest)]
    public Task<RecordPolledLoadTestResult> RecordPolledLoadTest([ActivityTrigger] RecordPolledLoadTestInput input, CancellationToken cancellationToken) =>
        activities.RecordPolledLoadTestAsync(input, cancellationToken);

    /// <summary><see cref="WorkflowNames.LearnThresholds"/>.</summary>
    [Function(WorkflowNames.LearnThresholds)]
    public Task<LearnedThresholds> LearnThresholds([ActivityTrigger] LearnThresholdsInput input, CancellationToken cancellationToken) =>
        activities.LearnThresholdsAsync(input, cancellationToken);
}

/// <summary>Start and cancel baseline training: management routes (function key, plus <c>Guardian:ApiKey</c>).</summary>
public sealed class TrainingFunctions(TrainingEndpoints endpoints, ManagementKey key, InvocationDurableClient durable)
{
    /// <summary><c>POST /api/guardians/{id}/training</c>: starts the training, answers 202 with the check-status payload.</summary>
    [Function("StartTraining")]
    public Task<IActionResult> StartTraining(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = FunctionRoutes.Training)] HttpRequest http,
        string id, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        durable.Use(client);
        return HttpExchange.ManagementAsync(http, key, request => endpoints.StartAsync(id, request, HttpExchange.CheckStatusFor(client), cancellationToken));
    }

    /// <summary><c>POST /api/guardians/{id}/training/{instanceId}/cancel</c>: terminates a running training.</summary>
    [Function("CancelTraining")]
    public Task<IActionResult> CancelTraining(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = FunctionRoutes.CancelTraining)] HttpRequest http,
        string id, string instanceId, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        durable.Use(client);
        return HttpExchange.ManagementAsync(http, key, _ => endpoints.CancelAsync(id, instanceId, cancellationToken));
    }
}

/// <summary>
/// <see cref="ITrainingScheduler"/> and <see cref="ITrainingRunWaiters"/> over the Durable client of the current
/// invocation (the starter, cancel and ingestion functions hand it over).
/// </summary>
internal sealed class DurableTrainingScheduler(InvocationDurableClient invocation) : ITrainingScheduler, ITrainingRunWaiters
{
    public Task StartAsync(string instanceId, TrainingRequest request, CancellationToken cancellationToken) =>
        invocation.Client.ScheduleNewOrchestrationInstanceAsync(
            WorkflowNames.BaselineTraining, request, new StartOrchestrationOptions(InstanceId: instanceId), cancellationToken);

    public async Task<bool> CancelAsync(string instanceId, string reason, CancellationToken cancellationToken)
    {
        var instance = await invocation.Client.GetInstanceAsync(instanceId, cancellationToken);
        if (instance is null || instance.IsCompleted)
        {
            return false;
        }

        await invocation.Client.TerminateInstanceAsync(instanceId, reason, cancellationToken);
        return true;
    }

    public async Task<bool> TryRaiseAsync(string instanceId, LoadTestFinishedNotice notice, CancellationToken cancellationToken)
    {
        var instance = await invocation.Client.GetInstanceAsync(instanceId, cancellationToken);
        if (instance is null || instance.IsCompleted)
        {
            return false;
        }

        await invocation.Client.RaiseEventAsync(instanceId, TrainingRuns.EventName(notice.TestId), notice, cancellationToken);
        return true;
    }
}
