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

    /// <summary>The deterministic instance id of a guardian's run: a duplicate event maps to the same instance.</summary>
    public static string InstanceId(string guardianId, string runId) => guardianId + ":" + runId;
}
