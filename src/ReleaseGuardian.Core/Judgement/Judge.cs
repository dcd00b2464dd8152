using System.Globalization;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Core.Judgement;

/// <summary>
/// Judges a run against a guardian's objectives (DESIGN.md §3): static or adaptive thresholds per objective,
/// then the roll-up into a status, a score and a Go / No-Go / Inconclusive decision. Pure and deterministic.
/// </summary>
public static class Judge
{
    /// <summary>
    /// What an adaptive objective has learned from <paramref name="history"/>: the baseline it would judge the next run
    /// against and, once it has enough eligible runs, the thresholds that follow from it (null while training).
    /// </summary>
    public static (Baseline Baseline, AdaptiveThreshold? Thresholds) Learned(Objective objective, TrainingSettings training, IReadOnlyList<HistoricalRun> history)
    {
        ArgumentNullException.ThrowIfNull(objective);
        var baseline = Baseline.Select(history, training, r => Measurement.ValueOf(objective, r));
        return (baseline, baseline.IsTrained
            ? AdaptiveThreshold.Compute(baseline.Values, objective.Direction, objective.Thresholds, objective.Signal)
            : null);
    }

    /// <summary>Judges <paramref name="run"/>.</summary>
    /// <param name="guardian">The guardian definition (assumed valid, see <see cref="GuardianDefinitionValidator"/>).</param>
    /// <param name="history">The guardian's earlier runs, oldest first, with the status each got.</param>
    /// <param name="run">The run to judge.</param>
    public static Verdict Evaluate(GuardianDefinition guardian, IReadOnlyList<HistoricalRun> history, Run run)
    {
        ArgumentNullException.ThrowIfNull(guardian);
        ArgumentNullException.ThrowIfNull(run);
        history ??= [];
        var results = guardian.Objectives.Select(o => EvaluateObjective(o, guardian.Training, history, run)).ToList();
        return RollUp(results);
    }

    /// <summary>Judges one objective of a run.</summary>
    public static ObjectiveResult EvaluateObjective(Objective objective, TrainingSettings training, IReadOnlyList<HistoricalRun> history, Run run)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(run);
        history ??= [];

        var measurement = Measurement.Of(objective, run);
        var requests = run.Signal(SignalNames.TrafficRequests);
        ObjectiveResult Result(ObjectiveStatus status, double? value, double? warning, double? failure, string explanation) =>
            new(objective.Name, objective.Signal, status, value, warning, failure, explanation)
            {
                Direction = objective.Direction,
                Mode = objective.Thresholds.Mode,
                Key = objective.Key,
                Weight = objective.Weight,
                Statistic = objective.Statistic,
                RawValue = objective.Statistic == ObjectiveStatistic.Wilson ? measurement.Raw : null,
                Requests = objective.MinRequests is not null || objective.Statistic == ObjectiveStatistic.Wilson ? requests : null,
            };

        switch (measurement.Outcome)
        {
            case MeasurementOutcome.Missing:
                return Result(ObjectiveStatus.Error, null, null, null, measurement.Problem);
            case MeasurementOutcome.NoTraffic:
                return Result(ObjectiveStatus.Info, null, null, null, measurement.Problem);
        }

        var value = measurement.Value;
        var measured = DescribeValue(objective, measurement);

        if (objective.MinRequests is { } minRequests)
        {
            if (requests is not { } traffic)
            {
                return Result(ObjectiveStatus.Info, value, null, null,
                    $"insufficient traffic: {SignalNames.TrafficRequests} missing from run {run.Id}, needed to check minRequests {minRequests}; {measured} not judged");
            }

            if (traffic < minRequests)
            {
                return Result(ObjectiveStatus.Info, value, null, null,
                    $"insufficient traffic: {Numbers.Text(traffic)} < {minRequests} requests; {measured} not judged");
            }
        }

        var spec = objective.Thresholds;
        switch (spec.Mode)
        {
            case ThresholdMode.Static when spec.Warning is not null || spec.Failure is not null:
            {
                var status = Thresholds.Classify(value, objective.Direction, spec.Warning, spec.Failure);
                var context = $"static: {ThresholdText(spec.Warning, spec.Failure)}";
                return Result(status, value, spec.Warning, spec.Failure, $"{measured} {Relation(status, objective.Direction, spec.Warning, spec.Failure)} ({context})");
            }

            case ThresholdMode.Adaptive:
            {
                var baseline = Baseline.Select(history, training, r => Measurement.ValueOf(objective, r), run.Id);
                if (!baseline.IsTrained)
                {
                    var progress = $"training {baseline.Samples.Count}/{baseline.MinRuns}";
                    var learnedFrom = baseline.Samples.Count == 0 ? "no eligible runs yet" : $"eligible runs so far: {RunList(baseline)}";
                    return Result(ObjectiveStatus.Info, value, null, null,
                        $"{progress}: the adaptive thresholds need {baseline.MinRuns} eligible runs with {objective.Signal} ({learnedFrom}); {measured} not judged")
                        with
                        { Training = new TrainingProgress(baseline.Samples.Count, baseline.MinRuns, baseline.RunIds) };
                }

                var adaptive = AdaptiveThreshold.Compute(baseline.Values, objective.Direction, spec, objective.Signal);
                var status = adaptive.Classify(value, objective.Direction);
                var context = $"adaptive: median {Numbers.Text(adaptive.Median)} of {baseline.Samples.Count} runs {RunList(baseline)}, " +
                    $"spread {Numbers.Text(adaptive.Spread)} = {BasisText(adaptive, spec)}; {ThresholdText(adaptive.Warning, adaptive.Failure)}";
                return Result(status, value, adaptive.Warning, adaptive.Failure, $"{measured} {Relation(status, objective.Direction, adaptive.Warning, adaptive.Failure)} ({context})")
                    with
                    { Baseline = new BaselineEvidence(adaptive.Median, adaptive.Iqr, adaptive.Spread, adaptive.SpreadBasis, baseline.RunIds) };
            }

            default:
                return Result(ObjectiveStatus.Info, value, null, null, $"informational: {measured} (no thresholds)");
        }
    }

    /// <summary>Rolls objective results up into a verdict: status, score, decision and explanation.</summary>
    public static Verdict RollUp(IReadOnlyList<ObjectiveResult> objectives)
    {
        ArgumentNullException.ThrowIfNull(objectives);
        var keyFailed = objectives.Any(o => o.Key && o.Status == ObjectiveStatus.Fail);
        var status = keyFailed
            ? ObjectiveStatus.Fail
            : objectives.Count == 0 ? ObjectiveStatus.Info : objectives.Max(o => o.Status);

        var judged = objectives.Where(o => o.Status is ObjectiveStatus.Pass or ObjectiveStatus.Warning or ObjectiveStatus.Fail).ToList();
        var totalWeight = judged.Sum(o => o.Weight);
        double? score = judged.Count == 0 || !(totalWeight > 0)
            ? null
            : Math.Round(100 * judged.Sum(o => o.Weight * Credit(o.Status)) / totalWeight, 1, MidpointRounding.AwayFromZero);

        var decision = status switch
        {
            ObjectiveStatus.Pass or ObjectiveStatus.Warning => Decision.Go,
            ObjectiveStatus.Fail => Decision.NoGo,
            _ => Decision.Inconclusive,
        };

        return new Verdict(status, decision, score, objectives, Explain(decision, status, score, objectives));
    }

    private static double Credit(ObjectiveStatus status) => status switch
    {
        ObjectiveStatus.Pass => 1,
        ObjectiveStatus.Warning => 0.5,
        _ => 0,
    };

    private static string Explain(Decision decision, ObjectiveStatus status, double? score, IReadOnlyList<ObjectiveResult> objectives)
    {
        var failed = objectives.Where(o => o.Status == ObjectiveStatus.Fail).ToList();
        var warned = objectives.Where(o => o.Status == ObjectiveStatus.Warning).ToList();
        var passed = objectives.Where(o => o.Status == ObjectiveStatus.Pass).ToList();
        var errors = objectives.Where(o => o.Status == ObjectiveStatus.Error).ToList();
        var info = objectives.Where(o => o.Status == ObjectiveStatus.Info).ToList();
        var scoreText = score is { } s ? $"score {Numbers.Text(s)}" : "no score";
        var parts = new List<string>();

        switch (decision)
        {
            case Decision.NoGo:
                var keyFailures = failed.Where(o => o.Key).ToList();
                parts.Add(keyFailures.Count > 0 && status == ObjectiveStatus.Fail && errors.Count > 0
                    ? $"No-Go: key objective {Names(keyFailures)} failed, which fails the verdict whatever else could not be judged"
                    : $"No-Go: {Names(failed, withKey: true)} failed");
                break;
            case Decision.Go:
                parts.Add(warned.Count > 0
                    ? $"Go: {Names(warned)} {(warned.Count == 1 ? "is" : "are")} in warning{(passed.Count > 0 ? $", {Names(passed)} passed" : "")}"
                    : $"Go: {(passed.Count == 1 ? "" : "every judged objective passed: ")}{Names(passed)}{(passed.Count == 1 ? " passed" : "")}");
                break;
            default:
                if (objectives.Count == 0)
                {
                    parts.Add("Inconclusive: the guardian has no objectives");
                }
                else if (errors.Count > 0)
                {
                    parts.Add($"Inconclusive: {string.Join("; ", errors.Select(o => $"{o.Name} could not be judged ({o.Explanation})"))}");
                }
                else
                {
                    parts.Add("Inconclusive: no objective could be judged");
                }

                break;
        }

        if (decision != Decision.Inconclusive || errors.Count > 0)
        {
            parts.Add(scoreText);
        }

        if (decision == Decision.NoGo && errors.Count > 0 && !(status == ObjectiveStatus.Fail && failed.Any(o => o.Key)))
        {
            parts.Add($"{Names(errors)} could not be judged");
        }

        if (info.Count > 0)
        {
            var notJudged = string.Join(", ", info.Select(o => $"{o.Name} ({ShortReason(o.Explanation)})"));
            parts.Add((decision == Decision.Inconclusive && errors.Count == 0 ? "not judged: " : "not judged, so the decision rests on the other objectives: ") + notJudged);
        }

        return string.Join("; ", parts) + ".";
    }

    private static string ShortReason(string explanation)
    {
        var colon = explanation.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? explanation[..colon] : explanation;
    }

    private static string Names(IReadOnlyList<ObjectiveResult> objectives, bool withKey = false) =>
        Formats.JsonInput.Choices(objectives.Select(o => withKey && o.Key ? $"{o.Name} (key)" : o.Name)).Replace(" or ", " and ", StringComparison.Ordinal);

    private static string DescribeValue(Objective objective, Measurement measurement) =>
        objective.Statistic == ObjectiveStatistic.Wilson
            ? $"{objective.Name} {Numbers.Text(measurement.Value)} (Wilson 95% lower bound of the measured {Numbers.Text(measurement.Raw ?? double.NaN)} over {Numbers.Text(measurement.Requests ?? double.NaN)} requests)"
            : $"{objective.Name} {Numbers.Text(measurement.Value)}";

    private static string Relation(ObjectiveStatus status, Direction direction, double? warning, double? failure)
    {
        var past = direction == Direction.HigherIsBetter ? "below" : "above";
        return status switch
        {
            ObjectiveStatus.Fail => $"is {past} the failure threshold {Numbers.Text(failure!.Value)}",
            ObjectiveStatus.Warning => failure is { } f
                ? $"is {past} the warning threshold {Numbers.Text(warning!.Value)} but within the failure threshold {Numbers.Text(f)}"
                : $"is {past} the warning threshold {Numbers.Text(warning!.Value)}",
            _ => warning is { } w
                ? $"is within the warning threshold {Numbers.Text(w)}"
                : $"is within the failure threshold {Numbers.Text(failure!.Value)}",
        };
    }

    private static string ThresholdText(double? warning, double? failure) => (warning, failure) switch
    {
        ({ } w, { } f) => $"warning {Numbers.Text(w)}, failure {Numbers.Text(f)}",
        ({ } w, null) => $"warning {Numbers.Text(w)}, no failure threshold",
        (null, { } f) => $"failure {Numbers.Text(f)}, no warning threshold",
        _ => "no thresholds",
    };

    private static string BasisText(AdaptiveThreshold adaptive, ThresholdSpec spec) => adaptive.SpreadBasis switch
    {
        SpreadBasis.Iqr => "IQR",
        SpreadBasis.RelativeFloor => $"relative floor {Numbers.Text(spec.RelFloor ?? ThresholdSpec.DefaultRelFloor)} × |median|",
        _ => "absolute floor",
    };

    private static string RunList(Baseline baseline)
    {
        var ids = baseline.RunIds;
        var list = ids.Count <= 3 ? string.Join(", ", ids) : $"{ids[0]}..{ids[^1]}";
        return baseline.Skipped > 0 ? $"{list} ({baseline.Skipped} ineligible or incomplete left out)" : list;
    }
}

/// <summary>Numbers in explanations: invariant, at most six significant digits, no exponent for everyday magnitudes.</summary>
public static class Numbers
{
    /// <summary>The number as explanations and tables show it (0.0075, 1083.18, 66.7).</summary>
    public static string Text(double value)
    {
        if (double.IsNaN(value))
        {
            return "n/a";
        }

        if (value == 0)
        {
            return "0";
        }

        var rounded = double.Parse(value.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var magnitude = Math.Abs(rounded);
        return magnitude is >= 1e-6 and < 1e15
            ? rounded.ToString("0.##########", CultureInfo.InvariantCulture)
            : rounded.ToString("G6", CultureInfo.InvariantCulture);
    }
}
