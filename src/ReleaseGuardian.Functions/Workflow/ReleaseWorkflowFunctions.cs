using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ReleaseGuardian.Application.Workflow;

namespace ReleaseGuardian.Functions.Workflow;

/// <summary>The release workflow's orchestrator (DESIGN.md §2), written once in Application; its output is the instance's output.</summary>
public static class ReleaseWorkflowOrchestrator
{
    /// <summary>
    /// <see cref="ReleaseWorkflow.RunAsync"/> over the Durable context. The input is a declared parameter, so the worker
    /// deserializes it once, as <see cref="EvaluationRequest"/>, with the worker's serializer.
    /// </summary>
    [Function(WorkflowNames.ReleaseWorkflow)]
    public static Task<EvaluationOutcome> RunReleaseWorkflow([OrchestrationTrigger] TaskOrchestrationContext context, EvaluationRequest request) =>
        ReleaseWorkflow.RunAsync(new DurableWorkflowContext(context), request);
}

/// <summary>One activity function per release-workflow activity, each calling <see cref="IReleaseActivities"/>.</summary>
public sealed class ReleaseActivityFunctions(IReleaseActivities activities)
{
    /// <summary><see cref="WorkflowNames.QuerySignals"/>.</summary>
    [Function(WorkflowNames.QuerySignals)]
    public Task<SignalsResult> QuerySignals([ActivityTrigger] EvaluationRequest request, CancellationToken cancellationToken) =>
        activities.QuerySignalsAsync(request, cancellationToken);

    /// <summary><see cref="WorkflowNames.JudgeRun"/>.</summary>
    [Function(WorkflowNames.JudgeRun)]
    public Task<JudgeRunResult> JudgeRun([ActivityTrigger] JudgeRunInput input, CancellationToken cancellationToken) =>
        activities.JudgeRunAsync(input, cancellationToken);

    /// <summary><see cref="WorkflowNames.RollbackFlag"/>.</summary>
    [Function(WorkflowNames.RollbackFlag)]
    public Task<RollbackFlagResult> RollbackFlag([ActivityTrigger] RollbackFlagInput input, CancellationToken cancellationToken) =>
        activities.RollbackFlagAsync(input, cancellationToken);

    /// <summary><see cref="WorkflowNames.RecordAndSendNotifications"/>.</summary>
    [Function(WorkflowNames.RecordAndSendNotifications)]
    public Task<NotificationResult> RecordAndSendNotifications([ActivityTrigger] NotificationInput input, CancellationToken cancellationToken) =>
        activities.RecordAndSendNotificationsAsync(input, cancellationToken);
}
