using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;
using static ReleaseGuardian.Core.Tests.Judgement.Examples;

namespace ReleaseGuardian.Core.Tests.Judgement;

/// <summary>The worked cases of the judgement rules, each named after what it shows.</summary>
public sealed class WorkedCaseTests
{
    [Fact]
    public void Traffic_of_1158_after_five_runs_around_1172_passes()
    {
        var verdict = Judge.Evaluate(Guardian(TrafficAdaptive()), FiveTrainingRuns(), Sixth(requests: 1158));

        var traffic = verdict.Objective("traffic");
        Assert.Equal(ObjectiveStatus.Pass, traffic.Status);
        Assert.Equal(1171, traffic.Baseline!.Median);
        Assert.Equal(58.55, traffic.Baseline.Spread, 9);
        Assert.Equal(SpreadBasis.RelativeFloor, traffic.Baseline.SpreadBasis);
        Assert.Equal(1171 - (1.5 * 58.55), traffic.Warning!.Value, 9);
        Assert.Equal(1171 - (3 * 58.55), traffic.Failure!.Value, 9);
        Assert.Equal(["run-1", "run-2", "run-3", "run-4", "run-5"], traffic.Baseline.RunIds);
        Assert.Equal(Decision.Go, verdict.Decision);
    }

    [Fact]
    public void Traffic_of_600_after_five_runs_around_1172_fails()
    {
        var verdict = Judge.Evaluate(Guardian(TrafficAdaptive()), FiveTrainingRuns(), Sixth(requests: 600));

        var traffic = verdict.Objective("traffic");
        Assert.Equal(ObjectiveStatus.Fail, traffic.Status);
        Assert.Contains("traffic 600 is below the failure threshold 995.35", traffic.Explanation, StringComparison.Ordinal);
        Assert.Contains("median 1171 of 5 runs run-1..run-5", traffic.Explanation, StringComparison.Ordinal);
        Assert.Contains("spread 58.55 = relative floor", traffic.Explanation, StringComparison.Ordinal);
        Assert.Equal(Decision.NoGo, verdict.Decision);
        Assert.Equal(0, verdict.Score);
    }

    [Fact]
    public void Error_rate_of_012_after_five_error_free_runs_fails_with_the_absolute_floor_explained()
    {
        var verdict = Judge.Evaluate(Guardian(ErrorRateAdaptive()), FiveTrainingRuns(), Sixth(errorRate: 0.12));

        var errors = verdict.Objective("error rate");
        Assert.Equal(ObjectiveStatus.Fail, errors.Status);
        Assert.Equal(0.0075, errors.Warning!.Value, 12);
        Assert.Equal(0.015, errors.Failure!.Value, 12);
        Assert.Equal(
            "error rate 0.12 is above the failure threshold 0.015 (adaptive: median 0 of 5 runs run-1..run-5, spread 0.005 = absolute floor; warning 0.0075, failure 0.015)",
            errors.Explanation);
        Assert.Equal(Decision.NoGo, verdict.Decision);
    }

    [Fact]
    public void Error_rate_of_0001_after_five_error_free_runs_passes()
    {
        var verdict = Judge.Evaluate(Guardian(ErrorRateAdaptive()), FiveTrainingRuns(), Sixth(errorRate: 0.001));

        Assert.Equal(ObjectiveStatus.Pass, verdict.Objective("error rate").Status);
        Assert.Equal(Decision.Go, verdict.Decision);
        Assert.Equal(100, verdict.Score);
    }

    [Theory]
    [InlineData(550, ObjectiveStatus.Pass, Decision.Go)]
    [InlineData(700, ObjectiveStatus.Warning, Decision.Go)]
    [InlineData(900, ObjectiveStatus.Fail, Decision.NoGo)]
    public void Static_p95_latency_with_warning_600_and_failure_800_is_judged_by_the_table(double p95, ObjectiveStatus expected, Decision decision)
    {
        var verdict = Judge.Evaluate(Guardian(P95Static()), [], Sixth(p95: p95));

        var latency = verdict.Objective("p95 latency");
        Assert.Equal(expected, latency.Status);
        Assert.Equal(600, latency.Warning);
        Assert.Equal(800, latency.Failure);
        Assert.Equal(decision, verdict.Decision);
    }

    [Fact]
    public void The_fourth_run_of_a_fresh_guardian_trains_its_adaptive_objectives_and_rests_on_the_static_one()
    {
        var history = FiveTrainingRuns().Take(3).ToList();
        var fourth = Run("run-4", (Core.Signals.SignalNames.TrafficRequests, 1175), (Core.Signals.SignalNames.ErrorsRate, 0.2), (Core.Signals.SignalNames.LatencyP95, 512));

        var verdict = Judge.Evaluate(Checkout(), history, fourth);

        foreach (var name in new[] { "error rate", "traffic" })
        {
            var objective = verdict.Objective(name);
            Assert.Equal(ObjectiveStatus.Info, objective.Status);
            Assert.StartsWith("training 3/5", objective.Explanation, StringComparison.Ordinal);
            Assert.NotNull(objective.Training);
            Assert.Equal(3, objective.Training.Count);
            Assert.Equal(5, objective.Training.Required);
            Assert.Equal(["run-1", "run-2", "run-3"], objective.Training.RunIds);
            Assert.Null(objective.Warning);
        }

        Assert.Equal(ObjectiveStatus.Pass, verdict.Status);
        Assert.Equal(Decision.Go, verdict.Decision);
        Assert.Equal(100, verdict.Score);
        Assert.Contains("p95 latency passed", verdict.Explanation, StringComparison.Ordinal);
        Assert.Contains("error rate (training 3/5)", verdict.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_definition_lists_every_error_by_path()
    {
        var json = File.ReadAllText(Path.Combine(RepositoryRoot(), "examples", "guardian-invalid.json"));

        var result = GuardianDefinitionJson.Parse(json);

        Assert.False(result.IsValid);
        Assert.Null(result.Definition);
        string[] expected =
        [
            "id", "metrics.url", "training.minRuns", "training.maxRuns", "objectives[0].thresholds.failure",
            "objectives[1].direction", "objectives[1].thresholds.mode", "objectives[1].weight", "objectives[2].name",
            "objectives[2].thresholds.failure", "objectives[2].statistic", "policy.rollbackOn[1]", "policy.notify[0].type", "policy.notify[0].url",
        ];
        Assert.Equal(expected, result.Errors.Select(e => e.Path));
        Assert.Contains(result.Errors, e => e.ToString() == "objectives[0].thresholds.failure: must be > warning for lowerIsBetter");
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Functions.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (Functions.sln) was not found.");
    }
}
