namespace ReleaseGuardian.Application.Workflow;

/// <summary>
/// What the release workflow may touch: activities, the replay-safe clock, the custom status and its own id.
/// The Functions host wraps <c>TaskOrchestrationContext</c> in it; the standalone host's checkpointed runner
/// implements it over Table Storage. Orchestrator code must be deterministic: no clock, GUIDs or I/O outside
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
}

/// <summary>The custom status of a running workflow: the current step and a line a person can read.</summary>
/// <param name="Step">querying-signals, judging, rolling-back, notifying, done.</param>
/// <param name="Detail">What is happening, e.g. "training 3/5" or "rolling back new-checkout via launchdarkly".</param>
public sealed record WorkflowProgress(string Step, string Detail);
