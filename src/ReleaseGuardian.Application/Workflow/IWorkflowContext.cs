namespace ReleaseGuardian.Application.Workflow;

/// <summary>
/// What an orchestrator may touch: activities, the replay-safe clock, the custom status, its own id, durable timers,
/// external events with a timeout and sub-orchestrations (what both engines have natively).
/// The Functions host wraps <c>TaskOrchestrationContext</c> in it; the standalone host wraps DurableTask.Core's
/// <c>OrchestrationContext</c>. Orchestrator code must be deterministic: no clock, GUIDs or I/O outside
/// activities, so that either host can replay it.
/// </summary>
public interface IWorkflowContext
{
    /// <summary>The orchestration instance id, <c>{guardianId}:{runId}</c>.</summary>
    string InstanceId { get; }

    /// <summary>The replay-safe current time.</summary>
    DateTime CurrentUtcDateTime { get; }

    /// <summary>True while the host replays history (suppress side-effect-like logging then).</summary>
    bool IsReplaying { get; }

    /// <summary>Runs (or, on replay, returns the recorded result of) an activity.</summary>
    Task<TResult> CallActivityAsync<TResult>(string name, object input);

    /// <summary>Publishes progress that the status API shows as <c>customStatus</c>.</summary>
    void SetCustomStatus(WorkflowProgress progress);

    /// <summary>A durable timer: completes at <paramref name="fireAt"/> (UTC), also across restarts of the host.</summary>
    Task CreateTimerAsync(DateTime fireAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits for the external event <paramref name="name"/> (raised to this instance) for at most
    /// <paramref name="timeout"/>; answers its payload, or null when the time ran out. An event raised before the wait
    /// began is kept by the engine and answered at once.
    /// </summary>
    Task<TEvent?> WaitForEventAsync<TEvent>(string name, TimeSpan timeout) where TEvent : class;

    /// <summary>
    /// Waits for the external event <paramref name="name"/> with no deadline and no durable timer, so a wait the
    /// orchestration never finishes (it ended meanwhile) leaves nothing behind. Events raised earlier are answered at once.
    /// </summary>
    Task<TEvent?> WaitForEventAsync<TEvent>(string name) where TEvent : class;

    /// <summary>Runs another orchestrator as a child instance <paramref name="instanceId"/> and answers its output.</summary>
    Task<TResult> CallSubOrchestratorAsync<TResult>(string name, string instanceId, object input);
}

/// <summary>The custom status of a running workflow: the current step and a line a person can read.</summary>
/// <param name="Step">querying-signals, judging, rolling-back, notifying, done.</param>
/// <param name="Detail">What is happening, e.g. "training 3/5" or "rolling back new-checkout via launchdarkly".</param>
public sealed record WorkflowProgress(string Step, string Detail);
