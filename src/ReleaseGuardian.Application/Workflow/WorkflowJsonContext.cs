using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReleaseGuardian.Application.Workflow;

/// <summary>
/// Source-generated JSON for workflow inputs, activity results (checkpoints) and outputs: no reflection on
/// the replay path, and the same camelCase shape the status API shows.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EvaluationRequest))]
[JsonSerializable(typeof(SignalsResult))]
[JsonSerializable(typeof(JudgeRunInput))]
[JsonSerializable(typeof(JudgeRunResult))]
[JsonSerializable(typeof(RollbackFlagInput))]
[JsonSerializable(typeof(RollbackFlagResult))]
[JsonSerializable(typeof(NotificationInput))]
[JsonSerializable(typeof(NotificationResult))]
[JsonSerializable(typeof(EvaluationOutcome))]
[JsonSerializable(typeof(WorkflowProgress))]
[JsonSerializable(typeof(Core.Flags.FlagChange))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Training.TrainingRequest))]
[JsonSerializable(typeof(Training.LaunchLoadTestInput))]
[JsonSerializable(typeof(Training.LaunchLoadTestResult))]
[JsonSerializable(typeof(Training.LoadTestFinishedNotice))]
[JsonSerializable(typeof(Training.PollLoadTestInput))]
[JsonSerializable(typeof(Training.PolledRunState))]
[JsonSerializable(typeof(Training.RecordPolledLoadTestInput))]
[JsonSerializable(typeof(Training.RecordPolledLoadTestResult))]
[JsonSerializable(typeof(Training.LearnThresholdsInput))]
[JsonSerializable(typeof(Training.LearnedThresholds))]
[JsonSerializable(typeof(Training.TrainingOutcome))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(Releases.ReleaseRequest))]
[JsonSerializable(typeof(Releases.ReleaseControl))]
[JsonSerializable(typeof(Releases.ReleaseReport))]
[JsonSerializable(typeof(Releases.CaptureFlagInput))]
[JsonSerializable(typeof(Releases.CaptureFlagResult))]
[JsonSerializable(typeof(Releases.SetRolloutInput))]
[JsonSerializable(typeof(Releases.RestoreFlagInput))]
[JsonSerializable(typeof(Releases.RolloutWriteResult))]
[JsonSerializable(typeof(Releases.RecordReleaseInput))]
[JsonSerializable(typeof(Releases.RecordReleaseResult))]
[JsonSerializable(typeof(Releases.ReleaseLockInput))]
public sealed partial class WorkflowJsonContext : JsonSerializerContext;
