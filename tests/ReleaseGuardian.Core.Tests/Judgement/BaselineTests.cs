using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;
using ReleaseGuardian.Core.Signals;
using static ReleaseGuardian.Core.Tests.Judgement.Examples;

namespace ReleaseGuardian.Core.Tests.Judgement;

public sealed class BaselineTests
{
    private static double? Requests(Run run) => run.Signal(SignalNames.TrafficRequests);

    [Theory]
    [InlineData(ObjectiveStatus.Pass, false, true)]
    [InlineData(ObjectiveStatus.Warning, false, true)]
    [InlineData(ObjectiveStatus.Info, false, true)]
    [InlineData(ObjectiveStatus.Fail, false, false)]
    [InlineData(ObjectiveStatus.Error, false, false)]
    [InlineData(ObjectiveStatus.Pass, true, false)]
    public void Only_pass_warning_and_info_runs_that_were_not_invalidated_are_eligible(ObjectiveStatus status, bool invalidated, bool eligible) =>
        Assert.Equal(eligible, Baseline.IsEligible(new HistoricalRun(Run("r", (SignalNames.TrafficRequests, 1)), status, invalidated)));

    [Fact]
    public void Fail_error_and_invalidated_runs_never_enter_and_are_counted_as_skipped()
    {
        List<HistoricalRun> history =
        [
            Passed("run-1", (SignalNames.TrafficRequests, 100)),
            Passed("run-2", (SignalNames.TrafficRequests, 5)) with { Status = ObjectiveStatus.Fail },
            Passed("run-3", (SignalNames.TrafficRequests, 6)) with { Status = ObjectiveStatus.Error },
            Passed("run-4", (SignalNames.TrafficRequests, 7)) with { Invalidated = true },
            Passed("run-5", (SignalNames.TrafficRequests, 110)) with { Status = ObjectiveStatus.Warning },
        ];

        var baseline = Baseline.Select(history, TrainingSettings.Default, Requests);

        Assert.Equal(["run-1", "run-5"], baseline.RunIds);
        Assert.Equal([100.0, 110.0], baseline.Values);
        Assert.Equal(3, baseline.Skipped);
        Assert.False(baseline.IsTrained);
    }

    [Fact]
    public void Only_the_last_max_runs_eligible_runs_are_used()
    {
        var history = Enumerable.Range(1, 40).Select(i => Passed($"run-{i}", (SignalNames.TrafficRequests, i))).ToList();

        var baseline = Baseline.Select(history, new TrainingSettings(5, 30), Requests);

        Assert.Equal(30, baseline.Samples.Count);
        Assert.Equal("run-11", baseline.RunIds[0]);
        Assert.Equal("run-40", baseline.RunIds[^1]);
        Assert.True(baseline.IsTrained);
    }

    [Fact]
    public void Runs_without_the_signal_do_not_count_for_that_objective()
    {
        List<HistoricalRun> history =
        [
            Passed("run-1", (SignalNames.TrafficRequests, 100)),
            Passed("run-2", (SignalNames.LatencyP95, 300)),
            Passed("run-3", (SignalNames.TrafficRequests, 100)),
        ];

        var baseline = Baseline.Select(history, TrainingSettings.Default, Requests);

        Assert.Equal(["run-1", "run-3"], baseline.RunIds);
    }

    [Fact]
    public void The_run_being_judged_never_learns_from_itself()
    {
        var history = FiveTrainingRuns();

        var baseline = Baseline.Select(history, TrainingSettings.Default, Requests, excludeRunId: "run-5");

        Assert.DoesNotContain("run-5", baseline.RunIds);
        Assert.False(baseline.IsTrained);
    }

    [Theory]
    [InlineData(0, "training 0/5")]
    [InlineData(1, "training 1/5")]
    [InlineData(3, "training 3/5")]
    [InlineData(4, "training 4/5")]
    public void An_adaptive_objective_reads_training_k_of_5_until_five_eligible_runs_exist(int earlierRuns, string expected)
    {
        var verdict = Judge.Evaluate(Guardian(TrafficAdaptive()), FiveTrainingRuns().Take(earlierRuns).ToList(), Sixth());

        var traffic = verdict.Objective("traffic");
        Assert.Equal(ObjectiveStatus.Info, traffic.Status);
        Assert.StartsWith(expected, traffic.Explanation, StringComparison.Ordinal);
        Assert.Equal(earlierRuns, traffic.Training!.Count);
        Assert.Equal(Decision.Inconclusive, verdict.Decision);
        Assert.Null(verdict.Score);
    }

    [Fact]
    public void A_failed_run_in_the_history_does_not_count_toward_training()
    {
        var history = FiveTrainingRuns();
        history[2] = history[2] with { Status = ObjectiveStatus.Fail };

        var traffic = Judge.Evaluate(Guardian(TrafficAdaptive()), history, Sixth()).Objective("traffic");

        Assert.StartsWith("training 4/5", traffic.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_custom_min_runs_changes_the_training_target()
    {
        var guardian = Guardian(TrafficAdaptive()) with { Training = new TrainingSettings(3, 30) };

        var traffic = Judge.Evaluate(guardian, FiveTrainingRuns().Take(3).ToList(), Sixth()).Objective("traffic");

        Assert.Equal(ObjectiveStatus.Pass, traffic.Status);
        Assert.Equal(["run-1", "run-2", "run-3"], traffic.Baseline!.RunIds);
    }
}
