using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Core.Judgement;

/// <summary>The judgement of one run: the rolled-up status, the decision, the score and each objective's result.</summary>
/// <param name="Status">The worst objective status (error &gt; fail &gt; warning &gt; pass &gt; info); a failed key objective makes it fail.</param>
/// <param name="Decision">Go (pass, warning), No-Go (fail) or Inconclusive (error, or every objective info).</param>
/// <param name="Score">100·Σ(weight·credit)/Σweight over judged objectives (pass 1, warning 0.5, fail 0), one decimal; null when none was judged.</param>
/// <param name="Objectives">Each objective's result, in definition order.</param>
/// <param name="Explanation">The decision in plain words, naming the objectives that drove it.</param>
public sealed record Verdict(ObjectiveStatus Status, Decision Decision, double? Score, IReadOnlyList<ObjectiveResult> Objectives, string Explanation);

/// <summary>The result of one objective, with the evidence behind it.</summary>
/// <param name="Name">The objective's name.</param>
/// <param name="Signal">The signal judged.</param>
/// <param name="Status">pass, warning, fail, error or info.</param>
/// <param name="Value">The judged value (the Wilson lower bound for a Wilson objective); null when not measured.</param>
/// <param name="Warning">The warning threshold applied, if any.</param>
/// <param name="Failure">The failure threshold applied, if any.</param>
/// <param name="Explanation">Plain words with the numbers: what was measured, against what, and why that status.</param>
public sealed record ObjectiveResult(
    string Name,
    string Signal,
    ObjectiveStatus Status,
    double? Value,
    double? Warning,
    double? Failure,
    string Explanation)
{
    /// <summary>Which way is good.</summary>
    public Direction Direction { get; init; }

    /// <summary>Static, adaptive or none.</summary>
    public ThresholdMode Mode { get; init; }

    /// <summary>True for a key objective (a failure fails the verdict).</summary>
    public bool Key { get; init; }

    /// <summary>The objective's weight in the score.</summary>
    public double Weight { get; init; } = 1;

    /// <summary>Value, or Wilson.</summary>
    public ObjectiveStatistic Statistic { get; init; }

    /// <summary>For a Wilson objective: the measured error rate the bound was computed from.</summary>
    public double? RawValue { get; init; }

    /// <summary>The run's <c>traffic.requests</c>, where the objective used it (minRequests or Wilson).</summary>
    public double? Requests { get; init; }

    /// <summary>For a judged adaptive objective: the baseline behind its thresholds.</summary>
    public BaselineEvidence? Baseline { get; init; }

    /// <summary>For an adaptive objective still training: how far it has got.</summary>
    public TrainingProgress? Training { get; init; }
}

/// <summary>The baseline behind adaptive thresholds.</summary>
/// <param name="Median">The centre m.</param>
/// <param name="Iqr">The interquartile range.</param>
/// <param name="Spread">The spread s = max(IQR, relFloor·|m|, absFloor).</param>
/// <param name="SpreadBasis">Which term set s.</param>
/// <param name="RunIds">The runs used, oldest first.</param>
public sealed record BaselineEvidence(double Median, double Iqr, double Spread, SpreadBasis SpreadBasis, IReadOnlyList<string> RunIds);

/// <summary>How far an adaptive objective's training has got: "training k/n".</summary>
/// <param name="Count">Eligible earlier runs with the signal (k).</param>
/// <param name="Required">Runs needed (minRuns, n).</param>
/// <param name="RunIds">Those runs, oldest first.</param>
public sealed record TrainingProgress(int Count, int Required, IReadOnlyList<string> RunIds);
