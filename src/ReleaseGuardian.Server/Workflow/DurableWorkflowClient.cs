using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Application.Workflow;

namespace ReleaseGuardian.Server.Workflow;

/// <summary>
/// Starts and reads instances on the task hub. Starting an instance id that exists, in any state, starts nothing and
/// answers that instance: the engine refuses the start, and under a race, where two starts can both pass its check,
/// its de-duplication of the start message still runs the instance once.
/// </summary>
internal sealed class DurableWorkflowClient(DurableTaskHub hub) : IWorkflowScheduler, IWorkflowStatusReader, ITrainingScheduler, ITrainingRunWaiters, IReleaseScheduler
{
    private static readonly OrchestrationStatus[] AnyState =
    [
        OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.Completed,
        OrchestrationStatus.ContinuedAsNew, OrchestrationStatus.Failed, OrchestrationStatus.Canceled,
        OrchestrationStatus.Terminated, OrchestrationStatus.Suspended,
    ];

    /// <inheritdoc />
    public async Task<WorkflowStart> ScheduleAsync(EvaluationRequest request, CancellationToken cancellationToken)
    {
        var start = await StartAsync(WorkflowNames.ReleaseWorkflow, WorkflowNames.InstanceId(request.GuardianId, request.RunId), request, cancellationToken);
        if (start.Created)
        {
            return start;
        }

        // The existing instance's input, so the caller can tell a repeat from the same run id asked with other input.
        var existing = await GetStatusAsync(start.InstanceId, cancellationToken);
        return start with { Existing = existing?.Input?.Deserialize(WorkflowJsonContext.Default.EvaluationRequest) };
    }

    /// <inheritdoc />
    Task ITrainingScheduler.StartAsync(string instanceId, TrainingRequest request, CancellationToken cancellationToken) =>
        StartAsync(WorkflowNames.BaselineTraining, instanceId, request, cancellationToken);

    /// <inheritdoc />
    Task IReleaseScheduler.StartAsync(string instanceId, ReleaseRequest request, CancellationToken cancellationToken) =>
        StartAsync(WorkflowNames.ReleasePlan, instanceId, request, cancellationToken);

    /// <inheritdoc />
    async Task<ReleaseInstance?> IReleaseScheduler.GetAsync(string instanceId, CancellationToken cancellationToken)
    {
        var status = await GetStatusAsync(instanceId, cancellationToken);
        return status is null ? null : new ReleaseInstance(status.RuntimeStatus,
            status.CustomStatus is { ValueKind: JsonValueKind.Object } progress ? progress.Deserialize(WorkflowJsonContext.Default.WorkflowProgress) : null);
    }

    /// <inheritdoc />
    Task IReleaseScheduler.RaiseAsync(string instanceId, ReleaseControl control, CancellationToken cancellationToken) =>
        RaiseEventAsync(instanceId, ReleaseNames.ControlEvent, control, cancellationToken);

    /// <inheritdoc />
    public Task<bool> CancelAsync(string instanceId, string reason, CancellationToken cancellationToken) =>
        TerminateAsync(instanceId, reason, cancellationToken);

    /// <inheritdoc />
    public async Task<bool> TryRaiseAsync(string instanceId, LoadTestFinishedNotice notice, CancellationToken cancellationToken)
    {
        var status = await GetStatusAsync(instanceId, cancellationToken);
        if (status is null || status.IsFinished)
        {
            return false;
        }

        await RaiseEventAsync(instanceId, TrainingRuns.EventName(notice.TestId), notice, cancellationToken);
        return true;
    }

    /// <summary>Starts <paramref name="orchestrator"/> as <paramref name="instanceId"/> unless that instance exists.</summary>
    public async Task<WorkflowStart> StartAsync(string orchestrator, string instanceId, object input, CancellationToken cancellationToken)
    {
        await hub.EnsureCreatedAsync().WaitAsync(cancellationToken);
        try
        {
            await hub.Client.CreateOrchestrationInstanceAsync(orchestrator, "", instanceId, input, tags: null, AnyState);
            return new WorkflowStart(instanceId, Created: true);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return new WorkflowStart(instanceId, Created: false);
        }
    }

    /// <inheritdoc />
    public async Task<WorkflowStatus?> GetStatusAsync(string instanceId, CancellationToken cancellationToken)
    {
        await hub.EnsureCreatedAsync().WaitAsync(cancellationToken);
        var state = await hub.Client.GetOrchestrationStateAsync(instanceId);
        return state is null ? null : ToStatus(state);
    }

    /// <summary>Ends a running instance (<c>Terminated</c>); false when there is none or it has finished.</summary>
    public async Task<bool> TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken)
    {
        var status = await GetStatusAsync(instanceId, cancellationToken);
        if (status is null || status.IsFinished)
        {
            return false;
        }

        await hub.Client.TerminateInstanceAsync(new OrchestrationInstance { InstanceId = instanceId }, reason);
        return true;
    }

    /// <summary>Sends an external event to an instance.</summary>
    public async Task RaiseEventAsync(string instanceId, string name, object payload, CancellationToken cancellationToken)
    {
        await hub.EnsureCreatedAsync().WaitAsync(cancellationToken);
        await hub.Client.RaiseEventAsync(new OrchestrationInstance { InstanceId = instanceId }, name, payload);
    }

    private static WorkflowStatus ToStatus(OrchestrationState state)
    {
        var failed = state.OrchestrationStatus == OrchestrationStatus.Failed;
        var output = failed && state.FailureDetails is { } failure
            ? JsonSerializer.SerializeToElement($"{failure.ErrorType}: {failure.ErrorMessage}", WorkflowJsonContext.Default.String)
            : Parse(state.Output);
        return new WorkflowStatus(
            state.Name,
            state.OrchestrationInstance.InstanceId,
            state.OrchestrationStatus.ToString(),
            Parse(state.Input),
            Parse(state.Status),
            output,
            new DateTimeOffset(DateTime.SpecifyKind(state.CreatedTime, DateTimeKind.Utc)),
            new DateTimeOffset(DateTime.SpecifyKind(state.LastUpdatedTime, DateTimeKind.Utc)));
    }

    // Payloads are JSON; an engine error text is not, and is shown as a string.
    private static JsonElement? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            // A child instance's input and output are JSON strings that hold the JSON (see WorkflowOrchestration).
            if (document.RootElement.ValueKind == JsonValueKind.String && document.RootElement.GetString() is { } inner
                && inner.StartsWith('{'))
            {
                return Parse(inner);
            }

            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(json, WorkflowJsonContext.Default.String);
        }
    }
}
