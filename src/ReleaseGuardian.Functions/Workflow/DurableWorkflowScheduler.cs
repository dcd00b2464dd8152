using Grpc.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using ReleaseGuardian.Application.Workflow;

namespace ReleaseGuardian.Functions.Workflow;

/// <summary>
/// <see cref="IWorkflowScheduler"/> over Durable Functions: one <see cref="WorkflowNames.ReleaseWorkflow"/> instance per
/// <c>{guardianId}:{runId}</c>, never a second one for a duplicate delivery.
/// </summary>
internal sealed class DurableWorkflowScheduler(InvocationDurableClient invocation) : IWorkflowScheduler
{
    public async Task<WorkflowStart> ScheduleAsync(EvaluationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var client = invocation.Client;
        var instanceId = WorkflowNames.InstanceId(request.GuardianId, request.RunId);

        // How a duplicate id is treated depends on the backend and versions (it may even restart a finished
        // instance), so look first.
        if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken) is { } existing)
        {
            return new WorkflowStart(instanceId, Created: false, existing.ReadInputAs<EvaluationRequest>());
        }

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                WorkflowNames.ReleaseWorkflow, request, new StartOrchestrationOptions(InstanceId: instanceId), cancellationToken);
            return new WorkflowStart(instanceId, Created: true);
        }
        catch (Exception e) when (e is InvalidOperationException or RpcException)
        {
            // OrchestrationAlreadyExistsException (an InvalidOperationException) or, from older hosts, an RpcException:
            // a concurrent delivery of the same event scheduled it first.
            if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken) is not { } raced)
            {
                throw;
            }

            return new WorkflowStart(instanceId, Created: false, raced.ReadInputAs<EvaluationRequest>());
        }
    }
}
