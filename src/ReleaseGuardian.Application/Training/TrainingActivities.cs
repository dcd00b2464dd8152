using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ReleaseGuardian.Application.Guardians;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;

namespace ReleaseGuardian.Application.Training;

/// <summary>The activities of <see cref="BaselineTraining"/>: launch a load test, and read back what was learned.</summary>
public interface ITrainingActivities
{
    /// <summary><see cref="WorkflowNames.LaunchLoadTest"/>.</summary>
    Task<LaunchLoadTestResult> LaunchLoadTestAsync(LaunchLoadTestInput input, CancellationToken cancellationToken);

    /// <summary><see cref="WorkflowNames.LearnThresholds"/>.</summary>
    Task<LearnedThresholds> LearnThresholdsAsync(LearnThresholdsInput input, CancellationToken cancellationToken);
}

/// <inheritdoc />
public sealed class TrainingActivities(GuardianService guardians, IRunStore runs, IEnumerable<ILoadTestLauncher> launchers) : ITrainingActivities
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
        return new LaunchLoadTestResult(result.Launched, result.Detail);
    }

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
    public static IReadOnlyList<string> Names { get; } = [WorkflowNames.LaunchLoadTest, WorkflowNames.LearnThresholds];

    /// <summary>Invokes the activity called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is not a training activity.</exception>
    public static async Task<string> InvokeJsonAsync(ITrainingActivities activities, string name, string inputJson, CancellationToken cancellationToken)
    {
        var json = WorkflowJsonContext.Default;
        return name switch
        {
            WorkflowNames.LaunchLoadTest => JsonSerializer.Serialize(
                await activities.LaunchLoadTestAsync(Read(inputJson, json.LaunchLoadTestInput), cancellationToken), json.LaunchLoadTestResult),
            WorkflowNames.LearnThresholds => JsonSerializer.Serialize(
                await activities.LearnThresholdsAsync(Read(inputJson, json.LearnThresholdsInput), cancellationToken), json.LearnedThresholds),
            _ => throw new ArgumentException($"'{name}' is not an activity of {WorkflowNames.BaselineTraining}.", nameof(name)),
        };
    }

    private static T Read<T>(string json, JsonTypeInfo<T> typeInfo) =>
        JsonSerializer.Deserialize(json, typeInfo) ?? throw new ArgumentException($"The input of the activity is not a {typeof(T).Name}.");
}
