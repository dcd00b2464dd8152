using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;
using ReleaseGuardian.Core.LoadTests;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Core.Tests.Judgement;

/// <summary>Guardians, runs and histories for the judgement tests.</summary>
internal static class Examples
{
    public static Objective P95Static(double? warning = 600, double? failure = 800) =>
        new("p95 latency", SignalNames.LatencyP95, Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.Static, warning, failure));

    public static Objective ErrorRateAdaptive(bool key = true, long? minRequests = null, ObjectiveStatistic statistic = ObjectiveStatistic.Value) =>
        new("error rate", SignalNames.ErrorsRate, Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.Adaptive), Key: key, MinRequests: minRequests, Statistic: statistic);

    public static Objective TrafficAdaptive() =>
        new("traffic", SignalNames.TrafficRequests, Direction.HigherIsBetter, new ThresholdSpec(ThresholdMode.Adaptive));

    public static GuardianDefinition Guardian(params Objective[] objectives) =>
        new("checkout", "Checkout service", "checkout", null, MetricsSourceSpec.LoadTest, TrainingSettings.Default, objectives, GuardianPolicy.Default);

    /// <summary>The §6 example guardian.</summary>
    public static GuardianDefinition Checkout() => Guardian(P95Static(), ErrorRateAdaptive(minRequests: 100), TrafficAdaptive());

    public static Run Run(string id, params (string Signal, double Value)[] signals) =>
        new(id, RunPurpose.Validation, null, signals.ToDictionary(s => s.Signal, s => s.Value));

    public static HistoricalRun Passed(string id, params (string Signal, double Value)[] signals) =>
        new(Run(id, signals) with { Purpose = RunPurpose.Training }, ObjectiveStatus.Pass);

    /// <summary>run-1..run-5: requests 1171, 1180, 1165, 1175, 1169, error rate 0, p95 around 500.</summary>
    public static List<HistoricalRun> FiveTrainingRuns()
    {
        double[] requests = [1171, 1180, 1165, 1175, 1169];
        double[] p95 = [498.2, 505.7, 489.9, 512.0, 501.3];
        return [.. requests.Select((r, i) => Passed($"run-{i + 1}", (SignalNames.TrafficRequests, r), (SignalNames.ErrorsRate, 0), (SignalNames.LatencyP95, p95[i])))];
    }

    public static Run Sixth(double requests = 1158, double errorRate = 0, double p95 = 512.3) =>
        Run("run-6", (SignalNames.TrafficRequests, requests), (SignalNames.ErrorsRate, errorRate), (SignalNames.LatencyP95, p95));

    public static ObjectiveResult Objective(this Verdict verdict, string name) => verdict.Objectives.Single(o => o.Name == name);
}
