using System.Text.RegularExpressions;
using ReleaseGuardian.Application.Workflow;

namespace ReleaseGuardian.Application.Training;

/// <summary>The input of one <see cref="WorkflowNames.BaselineTraining"/> instance.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="Runs">Runs that must count (default the guardian's <c>training.minRuns</c>).</param>
/// <param name="TimeoutMinutes">How long each run's result is awaited after its launch.</param>
/// <param name="MaxAttemptsPerRun">Launches per run before the training gives up.</param>
public sealed record TrainingRequest(string GuardianId, int Runs, int TimeoutMinutes, int MaxAttemptsPerRun = 3);

/// <summary>Input of <see cref="WorkflowNames.LaunchLoadTest"/>.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="TestId">The test id the result must carry.</param>
/// <param name="Purpose">training.</param>
public sealed record LaunchLoadTestInput(string GuardianId, string TestId, string Purpose);

/// <summary>Input of <see cref="WorkflowNames.PollLoadTest"/>.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="TestId">The test id the orchestration launched.</param>
/// <param name="Poll">The launcher's handle of the run.</param>
public sealed record PollLoadTestInput(string GuardianId, string TestId, LoadTestPollHandle Poll);

/// <summary>Input of <see cref="WorkflowNames.RecordPolledLoadTest"/>.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="TestId">The test id the orchestration launched: the recorded result carries it, so its run id is <c>lt-{testId}</c>.</param>
/// <param name="Purpose">training or validation.</param>
/// <param name="Poll">The launcher's handle of the run.</param>
public sealed record RecordPolledLoadTestInput(string GuardianId, string TestId, string Purpose, LoadTestPollHandle Poll);

/// <summary>Output of <see cref="WorkflowNames.RecordPolledLoadTest"/>.</summary>
/// <param name="Recorded">True when the result was read and recorded as a load-test result.</param>
/// <param name="Detail">What happened.</param>
/// <param name="Evaluation">The evaluation the recorded result asks for, exactly as ingestion would schedule it.</param>
public sealed record RecordPolledLoadTestResult(bool Recorded, string Detail, EvaluationRequest? Evaluation);

/// <summary>What ingestion raises to a training instance when the result of one of its load tests arrives.</summary>
/// <param name="TestId">The load test.</param>
/// <param name="Evaluation">The evaluation the result asks for (run id, window, signals).</param>
public sealed record LoadTestFinishedNotice(string TestId, EvaluationRequest Evaluation);

/// <summary>How one launch of a training run ended.</summary>
public static class TrainingRunResults
{
    /// <summary>Judged and eligible: it counts.</summary>
    public const string Counted = "counted";

    /// <summary>The launcher refused or failed.</summary>
    public const string LaunchFailed = "launch-failed";

    /// <summary>No result within the timeout.</summary>
    public const string TimedOut = "timed-out";

    /// <summary>The run was judged fail or error: it never enters the baseline.</summary>
    public const string Failed = "failed";
}

/// <summary>One launch of one training run.</summary>
/// <param name="Run">The run's number, 1..N.</param>
/// <param name="Attempt">The launch's number for that run, from 1.</param>
/// <param name="TestId">The test id.</param>
/// <param name="Result">One of <see cref="TrainingRunResults"/>.</param>
/// <param name="Detail">What happened.</param>
/// <param name="RunId">The judged run, when there was a result.</param>
public sealed record TrainingRunReport(int Run, int Attempt, string TestId, string Result, string Detail, string? RunId = null);

/// <summary>Input of <see cref="WorkflowNames.LearnThresholds"/>.</summary>
/// <param name="GuardianId">The guardian.</param>
public sealed record LearnThresholdsInput(string GuardianId);

/// <summary>What an adaptive objective learned.</summary>
/// <param name="Name">The objective's name.</param>
/// <param name="Signal">Its signal.</param>
/// <param name="Trained">False when it still lacks eligible runs (then the numbers are absent).</param>
/// <param name="Median">The baseline's median.</param>
/// <param name="Spread">The spread the thresholds are built from.</param>
/// <param name="Warning">The learned warning threshold.</param>
/// <param name="Failure">The learned failure threshold.</param>
/// <param name="RunsUsed">The runs the baseline was learned from.</param>
public sealed record LearnedObjective(string Name, string Signal, bool Trained, double? Median, double? Spread, double? Warning, double? Failure, IReadOnlyList<string> RunsUsed);

/// <summary>The output of <see cref="WorkflowNames.LearnThresholds"/>.</summary>
/// <param name="Objectives">Each adaptive objective, by name.</param>
public sealed record LearnedThresholds(IReadOnlyList<LearnedObjective> Objectives);

/// <summary>The output of a training instance.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="Status">trained, or failed when a run used up its attempts.</param>
/// <param name="RunsCounted">Runs that count.</param>
/// <param name="RunsRequested">Runs asked for.</param>
/// <param name="Runs">Every launch, in order, with how it ended.</param>
/// <param name="Objectives">What each adaptive objective learned.</param>
public sealed record TrainingOutcome(
    string GuardianId, string Status, int RunsCounted, int RunsRequested,
    IReadOnlyList<TrainingRunReport> Runs, IReadOnlyList<LearnedObjective> Objectives);

/// <summary>
/// Names shared by the training orchestration and ingestion: instance ids, the test ids it launches, and the external
/// event that carries a result, so ingestion can tell from a test id alone which instance waits for it.
/// </summary>
public static partial class TrainingRuns
{
    /// <summary>The external event for the result of <paramref name="testId"/>.</summary>
    public static string EventName(string testId) => "load-test-finished:" + testId;

    /// <summary>A new training instance id, <c>{guardianId}:training-{yyyyMMddTHHmmss}-{4 hex}</c>.</summary>
    public static string NewInstanceId(string guardianId, DateTimeOffset now) =>
        $"{guardianId}:training-{now.UtcDateTime:yyyyMMdd'T'HHmmss}-{Guid.NewGuid().ToString("N")[..4]}";

    /// <summary>The test id of run <paramref name="run"/>, launch <paramref name="attempt"/> of a training instance.</summary>
    public static string TestId(string instanceId, int run, int attempt) =>
        $"{instanceId[(instanceId.IndexOf(':', StringComparison.Ordinal) + 1)..]}-r{run}a{attempt}";

    /// <summary>The training or release instance that launched <paramref name="testId"/> for <paramref name="guardianId"/>, or null when no orchestration launched it.</summary>
    public static string? InstanceOf(string guardianId, string testId)
    {
        var match = TestIdRegex().Match(testId);
        return match.Success ? guardianId + ":" + match.Groups["training"].Value : null;
    }

    /// <summary>True when <paramref name="instanceId"/> is a training instance of <paramref name="guardianId"/>.</summary>
    public static bool IsInstanceOf(string guardianId, string instanceId) =>
        instanceId.StartsWith(guardianId + ":", StringComparison.Ordinal) && InstanceRegex().IsMatch(instanceId[(guardianId.Length + 1)..]);

    // Release plans launch tests too (instance "release-...", test ids "-s{stage}v{n}"): one shape serves both.
    [GeneratedRegex(@"^(?<training>(?:training|release)-[0-9]{8}T[0-9]{6}-[0-9a-f]{4})-[a-z][0-9]+[a-z][0-9]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex TestIdRegex();

    [GeneratedRegex(@"^training-[0-9]{8}T[0-9]{6}-[0-9a-f]{4}\z", RegexOptions.CultureInvariant)]
    private static partial Regex InstanceRegex();
}
