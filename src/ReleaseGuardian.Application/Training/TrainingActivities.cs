using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ReleaseGuardian.Application.Guardians;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;
using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Application.Training;

/// <summary>The activities of <see cref="BaselineTraining"/>: launch a load test, and read back what was learned.</summary>
public interface ITrainingActivities
{
    /// <summary><see cref="WorkflowNames.LaunchLoadTest"/>.</summary>
    Task<LaunchLoadTestResult> LaunchLoadTestAsync(LaunchLoadTestInput input, CancellationToken cancellationToken);

    /// <summary><see cref="WorkflowNames.PollLoadTest"/>.</summary>
    Task<PolledRunState> PollLoadTestAsync(PollLoadTestInput input, CancellationToken cancellationToken);

    /// <summary><see cref="WorkflowNames.RecordPolledLoadTest"/>.</summary>
    Task<RecordPolledLoadTestResult> RecordPolledLoadTestAsync(RecordPolledLoadTestInput input, CancellationToken cancellationToken);

    /// <summary><see cref="WorkflowNames.LearnThresholds"/>.</summary>
    Task<LearnedThresholds> LearnThresholdsAsync(LearnThresholdsInput input, CancellationToken cancellationToken);
}

/// <inheritdoc />
public sealed class TrainingActivities(GuardianService guardians, IRunStore runs, IEnumerable<ILoadTestLauncher> launchers, IEventStore events) : ITrainingActivities
{
    /// <inheritdoc />
    public async Task<LaunchLoadTestResult> LaunchLoadTestAsync(LaunchLoadTestInput input, CancellationToken cancellationToken)
    {
        var guardian = await guardians.FindAsync(input.GuardianId, cancellationToken);
        if (guardian is null)
        {
            return new LaunchLoadTestResult(false, $"guardian '{input.GuardianId}' does not exist");
        }

        if (guardian.LoadTest is not { } spec)
        {
            return new LaunchLoadTestResult(false, $"guardian '{input.GuardianId}' has no loadTest section: nothing can launch its load tests");
        }

        var launcher = launchers.FirstOrDefault(l => l.Kind == spec.Launcher);
        if (launcher is null)
        {
            return new LaunchLoadTestResult(false, $"launcher '{spec.Launcher}' is not available in this host");
        }

        var result = await launcher.LaunchAsync(new LoadTestLaunch(input.GuardianId, input.TestId, input.Purpose, spec), cancellationToken);
        return new LaunchLoadTestResult(result.Launched, result.Detail, result.Launched ? result.Poll : null);
    }

    /// <inheritdoc />
    public async Task<PolledRunState> PollLoadTestAsync(PollLoadTestInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (PolledLauncher(input.Poll) is not { } launcher)
        {
            return new PolledRunState(PolledRunStates.Failed, "unavailable", $"launcher '{input.Poll.Launcher}' cannot be polled in this host");
        }

        return await launcher.PollAsync(input.Poll, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<RecordPolledLoadTestResult> RecordPolledLoadTestAsync(RecordPolledLoadTestInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (PolledLauncher(input.Poll) is not { } launcher)
        {
            return new RecordPolledLoadTestResult(false, $"launcher '{input.Poll.Launcher}' cannot be polled in this host", null);
        }

        if (await guardians.FindAsync(input.GuardianId, cancellationToken) is null)
        {
            return new RecordPolledLoadTestResult(false, $"guardian '{input.GuardianId}' does not exist", null);
        }

        var (result, detail) = await launcher.ReadResultAsync(input.Poll, cancellationToken);
        if (result is null)
        {
            return new RecordPolledLoadTestResult(false, detail, null);
        }

        // The same event, source and id a result webhook of the tool would record: a run id lt-{testId}, one
        // evaluation per result, and a duplicate (a re-run activity, or the same run posted to the webhook) recorded once.
        var purpose = string.Equals(input.Purpose, "training", StringComparison.OrdinalIgnoreCase) ? RunPurpose.Training : RunPurpose.Validation;
        var finished = new LoadTestFinished(input.GuardianId, null, null, input.TestId, result.Tool, purpose, result.Start, result.End, result.Signals);
        var evt = new LoadTestFinishedEvent(IngestionService.LoadTestSource(result.Tool), input.TestId, result.End, finished) { TimeFromPayload = true };
        var recorded = await events.RecordAsync(evt, result.Raw, cancellationToken);
        var evaluation = IngestionService.EvaluationFor(recorded.Record.Event)
            ?? throw new InvalidOperationException($"The recorded result of {input.TestId} asks for no evaluation.");
        return new RecordPolledLoadTestResult(true, detail, evaluation);
    }

    private IPolledLoadTestLauncher? PolledLauncher(LoadTestPollHandle handle) =>
        launchers.OfType<IPolledLoadTestLauncher>().FirstOrDefault(l => l.Kind == handle.Launcher);

    /// <inheritdoc />
    public async Task<LearnedThresholds> LearnThresholdsAsync(LearnThresholdsInput input, CancellationToken cancellationToken)
    {
        var guardian = await guardians.FindAsync(input.GuardianId, cancellationToken)
            ?? throw new InvalidOperationException($"Guardian '{input.GuardianId}' does not exist.");
        var stored = await runs.GetJudgingHistoryAsync(input.GuardianId, guardian.Training.MaxRuns, newest: 1, cancellationToken);
        var history = stored.Eligible.OrderBy(r => r.WindowEnd).Select(ReleaseActivities.ToHistorical).ToList();
        var learned = new List<LearnedObjective>();
        foreach (var objective in guardian.Objectives.Where(o => o.Thresholds.Mode == ThresholdMode.Adaptive))
        {
            var (baseline, adaptive) = Judge.Learned(objective, guardian.Training, history);
            if (adaptive is null)
            {
                learned.Add(new LearnedObjective(objective.Name, objective.Signal, false, null, null, null, null, baseline.RunIds));
                continue;
            }

            learned.Add(new LearnedObjective(objective.Name, objective.Signal, true, adaptive.Median, adaptive.Spread, adaptive.Warning, adaptive.Failure, baseline.RunIds));
        }

        return new LearnedThresholds(learned);
    }
}

/// <summary>Calls a training activity by name with its input and result as JSON, for engines that carry text.</summary>
public static class TrainingActivityDispatch
{
    /// <summary>The activities this dispatch serves.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [WorkflowNames.LaunchLoadTest, WorkflowNames.PollLoadTest, WorkflowNames.RecordPolledLoadTest, WorkflowNames.LearnThresholds];

    /// <summary>Invokes the activity called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is not a training activity.</exception>
    public static async Task<string> InvokeJsonAsync(ITrainingActivities activities, string name, string inputJson, CancellationToken cancellationToken)
    {
        var json = WorkflowJsonContext.Default;
        return await (name switch
        {
            WorkflowNames.LaunchLoadTest => ActivityJson.InvokeAsync(inputJson, json.LaunchLoadTestInput, json.LaunchLoadTestResult, input => activities.LaunchLoadTestAsync(input, cancellationToken)),
            WorkflowNames.PollLoadTest => ActivityJson.InvokeAsync(inputJson, json.PollLoadTestInput, json.PolledRunState, input => activities.PollLoadTestAsync(input, cancellationToken)),
            WorkflowNames.RecordPolledLoadTest => ActivityJson.InvokeAsync(inputJson, json.RecordPolledLoadTestInput, json.RecordPolledLoadTestResult, input => activities.RecordPolledLoadTestAsync(input, cancellationToken)),
            WorkflowNames.LearnThresholds => ActivityJson.InvokeAsync(inputJson, json.LearnThresholdsInput, json.LearnedThresholds, input => activities.LearnThresholdsAsync(input, cancellationToken)),
            _ => throw new ArgumentException($"'{name}' is not an activity of {WorkflowNames.BaselineTraining}.", nameof(name)),
        });
    }

}
