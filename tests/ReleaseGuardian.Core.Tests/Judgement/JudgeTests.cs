using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;
using ReleaseGuardian.Core.Signals;
using static ReleaseGuardian.Core.Tests.Judgement.Examples;

namespace ReleaseGuardian.Core.Tests.Judgement;

public sealed class JudgeTests
{
    [Fact]
    public void A_missing_signal_is_an_error_that_names_the_signal_and_the_run()
    {
        var run = Run("run-6", (SignalNames.ErrorsRate, 0));

        var verdict = Judge.Evaluate(Guardian(P95Static()), [], run);

        var latency = verdict.Objective("p95 latency");
        Assert.Equal(ObjectiveStatus.Error, latency.Status);
        Assert.Equal("signal latency.p95 missing from run run-6", latency.Explanation);
        Assert.Null(latency.Value);
        Assert.Equal((ObjectiveStatus.Error, Decision.Inconclusive), (verdict.Status, verdict.Decision));
        Assert.Contains("p95 latency could not be judged (signal latency.p95 missing from run run-6)", verdict.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_little_traffic_makes_the_objective_info()
    {
        var guardian = Guardian(P95Static() with { MinRequests = 200 });

        var latency = Judge.Evaluate(guardian, [], Run("run-6", (SignalNames.LatencyP95, 900), (SignalNames.TrafficRequests, 37))).Objective("p95 latency");

        Assert.Equal(ObjectiveStatus.Info, latency.Status);
        Assert.StartsWith("insufficient traffic: 37 < 200 requests", latency.Explanation, StringComparison.Ordinal);
        Assert.Equal(37, latency.Requests);
    }

    [Fact]
    public void Missing_traffic_with_a_minimum_is_info_that_says_so()
    {
        var guardian = Guardian(P95Static() with { MinRequests = 200 });

        var latency = Judge.Evaluate(guardian, [], Run("run-6", (SignalNames.LatencyP95, 900))).Objective("p95 latency");

        Assert.Equal(ObjectiveStatus.Info, latency.Status);
        Assert.StartsWith("insufficient traffic: traffic.requests missing from run run-6", latency.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Enough_traffic_judges_the_objective_normally()
    {
        var guardian = Guardian(P95Static() with { MinRequests = 200 });

        var latency = Judge.Evaluate(guardian, [], Run("run-6", (SignalNames.LatencyP95, 900), (SignalNames.TrafficRequests, 200))).Objective("p95 latency");

        Assert.Equal(ObjectiveStatus.Fail, latency.Status);
    }

    [Fact]
    public void The_wilson_lower_bound_matches_the_textbook_value()
    {
        // p = 0.5, n = 100, z = 1.96: (0.5 + 0.019208 - 1.96·√(0.0025 + 0.00009604)) / 1.038416 = 0.40383
        Assert.Equal(0.40383, WilsonInterval.LowerBound(0.5, 100), 5);
        Assert.Equal(0, WilsonInterval.LowerBound(0, 1000));
    }

    [Fact]
    public void A_wilson_objective_judges_the_lower_bound_and_explains_both_numbers()
    {
        var objective = new Objective("error rate", SignalNames.ErrorsRate, Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.Static, Failure: 0.05), Statistic: ObjectiveStatistic.Wilson);

        var result = Judge.Evaluate(Guardian(objective), [], Run("run-6", (SignalNames.ErrorsRate, 0.1), (SignalNames.TrafficRequests, 40))).Objective("error rate");

        var bound = WilsonInterval.LowerBound(0.1, 40);
        Assert.Equal(bound, result.Value);
        Assert.True(bound < 0.05);
        Assert.Equal(0.1, result.RawValue);
        Assert.Equal(ObjectiveStatus.Pass, result.Status);
        Assert.Contains("Wilson 95% lower bound of the measured 0.1 over 40 requests", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wilson_objective_derives_the_rate_from_the_error_count_when_the_rate_is_missing()
    {
        var objective = new Objective("error rate", SignalNames.ErrorsRate, Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.Static, Failure: 0.05), Statistic: ObjectiveStatistic.Wilson);

        var result = Judge.Evaluate(Guardian(objective), [], Run("run-6", (SignalNames.ErrorsCount, 300), (SignalNames.TrafficRequests, 1000))).Objective("error rate");

        Assert.Equal(0.3, result.RawValue);
        Assert.Equal(WilsonInterval.LowerBound(0.3, 1000), result.Value);
        Assert.Equal(ObjectiveStatus.Fail, result.Status);
    }

    [Fact]
    public void A_wilson_objective_without_traffic_is_an_error()
    {
        var objective = ErrorRateAdaptive(statistic: ObjectiveStatistic.Wilson);

        var result = Judge.Evaluate(Guardian(objective), [], Run("run-6", (SignalNames.ErrorsRate, 0.1))).Objective("error rate");

        Assert.Equal(ObjectiveStatus.Error, result.Status);
        Assert.Contains("signal traffic.requests missing from run run-6", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wilson_baseline_learns_from_the_bounds_of_earlier_runs()
    {
        var history = FiveTrainingRuns();

        var result = Judge.Evaluate(Guardian(ErrorRateAdaptive(statistic: ObjectiveStatistic.Wilson)), history, Sixth(errorRate: 0.12)).Objective("error rate");

        Assert.Equal(0, result.Baseline!.Median);
        Assert.Equal(ObjectiveStatus.Fail, result.Status);
        Assert.Equal(WilsonInterval.LowerBound(0.12, 1158), result.Value);
    }

    [Fact]
    public void A_failed_key_objective_fails_the_verdict_even_when_another_is_an_error()
    {
        var guardian = Guardian(ErrorRateAdaptive(key: true), P95Static());
        var run = Run("run-6", (SignalNames.ErrorsRate, 0.5), (SignalNames.TrafficRequests, 1000));

        var verdict = Judge.Evaluate(guardian, FiveTrainingRuns(), run);

        Assert.Equal(ObjectiveStatus.Error, verdict.Objective("p95 latency").Status);
        Assert.Equal((ObjectiveStatus.Fail, Decision.NoGo), (verdict.Status, verdict.Decision));
        Assert.StartsWith("No-Go: key objective error rate failed", verdict.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_ordinary_objective_with_an_error_elsewhere_is_inconclusive()
    {
        var guardian = Guardian(ErrorRateAdaptive(key: false), P95Static());
        var run = Run("run-6", (SignalNames.ErrorsRate, 0.5), (SignalNames.TrafficRequests, 1000));

        var verdict = Judge.Evaluate(guardian, FiveTrainingRuns(), run);

        Assert.Equal((ObjectiveStatus.Error, Decision.Inconclusive), (verdict.Status, verdict.Decision));
    }

    [Fact]
    public void The_score_weighs_pass_warning_and_fail_and_skips_info()
    {
        var guardian = Guardian(
            new Objective("a", "a", Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.Static, 1, 2), Weight: 3),
            new Objective("b", "b", Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.Static, 1, 2), Weight: 1),
            new Objective("c", "c", Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.Static, 1, 2), Weight: 2),
            new Objective("d", "d", Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.None), Weight: 100));

        var verdict = Judge.Evaluate(guardian, [], Run("run-6", ("a", 0.5), ("b", 1.5), ("c", 3), ("d", 1)));

        // 100 · (3·1 + 1·0.5 + 2·0) / 6 = 58.333...
        Assert.Equal(58.3, verdict.Score);
        Assert.Equal(ObjectiveStatus.Info, verdict.Objective("d").Status);
        Assert.Equal(Decision.NoGo, verdict.Decision);
        Assert.Equal("No-Go: c failed; score 58.3; not judged, so the decision rests on the other objectives: d (informational).", verdict.Explanation);
    }

    [Fact]
    public void Warnings_still_go_and_are_named()
    {
        var verdict = Judge.Evaluate(Guardian(P95Static()), [], Sixth(p95: 700));

        Assert.Equal((ObjectiveStatus.Warning, Decision.Go, 50.0), (verdict.Status, verdict.Decision, verdict.Score!.Value));
        Assert.Equal("Go: p95 latency is in warning; score 50.", verdict.Explanation);
        Assert.Equal(
            "p95 latency 700 is above the warning threshold 600 but within the failure threshold 800 (static: warning 600, failure 800)",
            verdict.Objective("p95 latency").Explanation);
    }

    [Fact]
    public void Nothing_but_info_is_inconclusive_without_a_score()
    {
        var guardian = Guardian(new Objective("kpi", "orders.per.minute", Direction.HigherIsBetter, new ThresholdSpec(ThresholdMode.None)));

        var verdict = Judge.Evaluate(guardian, [], Run("run-6", ("orders.per.minute", 12)));

        Assert.Equal((ObjectiveStatus.Info, Decision.Inconclusive), (verdict.Status, verdict.Decision));
        Assert.Null(verdict.Score);
        Assert.Equal("informational: kpi 12 (no thresholds)", verdict.Objective("kpi").Explanation);
        Assert.Equal("Inconclusive: no objective could be judged; not judged: kpi (informational).", verdict.Explanation);
    }

    [Fact]
    public void Higher_is_better_static_thresholds_explain_below()
    {
        var guardian = Guardian(new Objective("rps", SignalNames.TrafficRps, Direction.HigherIsBetter, new ThresholdSpec(ThresholdMode.Static, 100, 50)));

        var rps = Judge.Evaluate(guardian, [], Run("run-6", (SignalNames.TrafficRps, 40))).Objective("rps");

        Assert.Equal(ObjectiveStatus.Fail, rps.Status);
        Assert.Equal("rps 40 is below the failure threshold 50 (static: warning 100, failure 50)", rps.Explanation);
    }

    [Fact]
    public void The_verdict_keeps_definition_order_and_evidence()
    {
        var verdict = Judge.Evaluate(Checkout(), FiveTrainingRuns(), Sixth(errorRate: 0.12));

        Assert.Equal(["p95 latency", "error rate", "traffic"], verdict.Objectives.Select(o => o.Name));
        var errors = verdict.Objective("error rate");
        Assert.True(errors.Key);
        Assert.Equal(ThresholdMode.Adaptive, errors.Mode);
        Assert.Equal(SpreadBasis.AbsoluteFloor, errors.Baseline!.SpreadBasis);
        Assert.Equal(66.7, verdict.Score);
        Assert.Equal("No-Go: error rate (key) failed; score 66.7.", verdict.Explanation);
    }

    [Fact]
    public void Ineligible_runs_inside_the_baseline_span_are_mentioned()
    {
        var history = FiveTrainingRuns();
        history.Insert(2, Passed("run-x", (SignalNames.TrafficRequests, 10)) with { Status = ObjectiveStatus.Fail });

        var traffic = Judge.Evaluate(Guardian(TrafficAdaptive()), history, Sixth()).Objective("traffic");

        Assert.Contains("run-1..run-5 (1 ineligible or incomplete left out)", traffic.Explanation, StringComparison.Ordinal);
        Assert.DoesNotContain("run-x", traffic.Baseline!.RunIds);
    }
}
