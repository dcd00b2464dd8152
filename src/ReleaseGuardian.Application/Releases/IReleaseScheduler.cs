using ReleaseGuardian.Application.Workflow;

namespace ReleaseGuardian.Application.Releases;

/// <summary>What the engine says of a release's instance.</summary>
/// <param name="RuntimeStatus">Pending, Running, Completed, Failed, Terminated... (<see cref="WorkflowRuntimeStatus"/>).</param>
/// <param name="Progress">Its custom status, e.g. <c>stage 2/3: 50%, validating</c>.</param>
public sealed record ReleaseInstance(string RuntimeStatus, WorkflowProgress? Progress)
{
    /// <summary>True while the instance can still act (and receive controls).</summary>
    public bool IsRunning => RuntimeStatus is WorkflowRuntimeStatus.Pending or WorkflowRuntimeStatus.Running or WorkflowRuntimeStatus.Suspended;
}

/// <summary>Starts release instances, reads them and delivers controls; each host implements it over its Durable client.</summary>
public interface IReleaseScheduler
{
    /// <summary>Starts <see cref="WorkflowNames.ReleasePlan"/> as <paramref name="instanceId"/>.</summary>
    Task StartAsync(string instanceId, ReleaseRequest request, CancellationToken cancellationToken);

    /// <summary>The instance, or null when it does not exist.</summary>
    Task<ReleaseInstance?> GetAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>Raises <see cref="ReleaseNames.ControlEvent"/> with <paramref name="control"/> to the instance (a durable external event).</summary>
    Task RaiseAsync(string instanceId, ReleaseControl control, CancellationToken cancellationToken);
}
