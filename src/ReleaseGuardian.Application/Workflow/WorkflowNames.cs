namespace ReleaseGuardian.Application.Workflow;

/// <summary>Orchestrator and activity names, shared by both hosts.</summary>
public static class WorkflowNames
{
    /// <summary>The release workflow orchestrator.</summary>
    public const string ReleaseWorkflow = nameof(ReleaseWorkflow);

    /// <summary>Measures the golden and custom signals of the run's window.</summary>
    public const string QuerySignals = nameof(QuerySignals);

    /// <summary>Judges the run (training or evaluation) and persists it with the baseline.</summary>
    public const string JudgeRun = nameof(JudgeRun);

    /// <summary>Rolls the change under test back through the flag service.</summary>
    public const string RollbackFlag = nameof(RollbackFlag);

    /// <summary>Records the notification with its evidence and sends it to the guardian's targets.</summary>
    public const string RecordAndSendNotifications = nameof(RecordAndSendNotifications);

    /// <summary>The baseline training orchestrator.</summary>
    public const string BaselineTraining = nameof(BaselineTraining);

    /// <summary>Starts one load test through the guardian's launcher.</summary>
    public const string LaunchLoadTest = nameof(LaunchLoadTest);

    /// <summary>Asks a polling launcher (Azure Load Testing) for the state of a run it started.</summary>
    public const string PollLoadTest = nameof(PollLoadTest);

    /// <summary>Reads a polled run's result and records it as a load-test result, as ingestion would.</summary>
    public const string RecordPolledLoadTest = nameof(RecordPolledLoadTest);

    /// <summary>Computes what each adaptive objective learned from the guardian's eligible runs.</summary>
    public const string LearnThresholds = nameof(LearnThresholds);

    /// <summary>The release plan orchestrator: a progressive rollout of a guardian's flag, stage by stage.</summary>
    public const string ReleasePlan = nameof(ReleasePlan);

    /// <summary>Reads the released flag's exact state (pre-release, and before each stage to notice a person's change).</summary>
    public const string CaptureFlagState = nameof(CaptureFlagState);

    /// <summary>Sets the released flag's rollout percentage.</summary>
    public const string SetFlagRollout = nameof(SetFlagRollout);

    /// <summary>Writes the flag's exact pre-release state back (No-Go, abort).</summary>
    public const string RestoreFlagState = nameof(RestoreFlagState);

    /// <summary>Records the release (its row with its stages) and notifies a stage event with its evidence.</summary>
    public const string RecordRelease = nameof(RecordRelease);

    /// <summary>Frees the per-flag release lock.</summary>
    public const string ReleaseFlagLock = nameof(ReleaseFlagLock);

    /// <summary>The deterministic instance id of a guardian's run: a duplicate event maps to the same instance.</summary>
    public static string InstanceId(string guardianId, string runId) => guardianId + ":" + runId;
}
