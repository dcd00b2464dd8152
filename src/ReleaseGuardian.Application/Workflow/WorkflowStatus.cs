using System.Text.Json;

namespace ReleaseGuardian.Application.Workflow;

/// <summary>Durable Functions' runtime statuses, with the same names.</summary>
public static class WorkflowRuntimeStatus
{
    /// <summary>Scheduled, not started.</summary>
    public const string Pending = "Pending";

    /// <summary>Executing.</summary>
    public const string Running = "Running";

    /// <summary>Finished with an output.</summary>
    public const string Completed = "Completed";

    /// <summary>Finished with an error.</summary>
    public const string Failed = "Failed";

    /// <summary>Stopped from outside (cancel or the Durable terminate API).</summary>
    public const string Terminated = "Terminated";

    /// <summary>Cancelled before it ran.</summary>
    public const string Canceled = "Canceled";

    /// <summary>Paused from outside; resumes on request.</summary>
    public const string Suspended = "Suspended";
}

/// <summary>
/// An orchestration's status in the shape of the Durable Functions HTTP API
/// (<c>name, instanceId, runtimeStatus, input, customStatus, output, createdTime, lastUpdatedTime</c>), so a
/// client written for one host works against the other.
/// </summary>
/// <param name="Name">The orchestrator's name.</param>
/// <param name="InstanceId">The instance id.</param>
/// <param name="RuntimeStatus">One of <see cref="WorkflowRuntimeStatus"/>.</param>
/// <param name="Input">The input as JSON.</param>
/// <param name="CustomStatus">The latest progress as JSON, or null.</param>
/// <param name="Output">The output as JSON (or the error text when failed), or null.</param>
/// <param name="CreatedTime">When it was scheduled.</param>
/// <param name="LastUpdatedTime">When it last changed.</param>
public sealed record WorkflowStatus(
    string Name,
    string InstanceId,
    string RuntimeStatus,
    JsonElement? Input,
    JsonElement? CustomStatus,
    JsonElement? Output,
    DateTimeOffset CreatedTime,
    DateTimeOffset LastUpdatedTime)
{
    /// <summary>True once the instance will not change any more.</summary>
    public bool IsFinished =>
        RuntimeStatus is WorkflowRuntimeStatus.Completed or WorkflowRuntimeStatus.Failed
            or WorkflowRuntimeStatus.Terminated or WorkflowRuntimeStatus.Canceled;
}

/// <summary>The result of scheduling an evaluation.</summary>
/// <param name="InstanceId">The deterministic instance id.</param>
/// <param name="Created">False when that instance already existed (a duplicate event): nothing new was started.</param>
/// <param name="Existing">When it already existed, the input it was started with (null if the host could not read it).</param>
public sealed record WorkflowStart(string InstanceId, bool Created, EvaluationRequest? Existing = null);

/// <summary>Starts release workflows. Idempotent per instance id: a duplicate request never starts a second one.</summary>
public interface IWorkflowScheduler
{
    /// <summary>Schedules the workflow for <paramref name="request"/> under <c>{guardianId}:{runId}</c>.</summary>
    Task<WorkflowStart> ScheduleAsync(EvaluationRequest request, CancellationToken cancellationToken);
}

/// <summary>Reads orchestration status for the status API.</summary>
public interface IWorkflowStatusReader
{
    /// <summary>The status of an instance, or null when there is none.</summary>
    Task<WorkflowStatus?> GetStatusAsync(string instanceId, CancellationToken cancellationToken);
}
