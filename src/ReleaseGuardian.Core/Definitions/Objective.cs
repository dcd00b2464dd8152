namespace ReleaseGuardian.Core.Definitions;

/// <summary>Which way is good for a signal.</summary>
public enum Direction
{
    /// <summary>Smaller is better (latency, errors).</summary>
    LowerIsBetter,

    /// <summary>Larger is better (traffic, conversions).</summary>
    HigherIsBetter,
}

/// <summary>How an objective's thresholds are set.</summary>
public enum ThresholdMode
{
    /// <summary>Fixed warning and/or failure values.</summary>
    Static,

    /// <summary>Learned from the baseline: median and spread with floors.</summary>
    Adaptive,

    /// <summary>No thresholds: the objective is informational.</summary>
    None,
}

/// <summary>The statistic judged for an objective.</summary>
public enum ObjectiveStatistic
{
    /// <summary>The signal's value as measured.</summary>
    Value,

    /// <summary>For <c>errors.rate</c>: the Wilson 95% lower bound of the error proportion.</summary>
    Wilson,
}

/// <summary>One thing a guardian judges.</summary>
/// <param name="Name">Shown in verdicts; unique within the guardian.</param>
/// <param name="Signal">A golden signal name or a custom signal name.</param>
/// <param name="Direction">Which way is good.</param>
/// <param name="Thresholds">How pass, warning and fail are told apart.</param>
/// <param name="Weight">Weight in the score (default 1).</param>
/// <param name="Key">A failed key objective always fails the verdict.</param>
/// <param name="MinRequests">Below this many <c>traffic.requests</c> the objective is <c>info</c>.</param>
/// <param name="Statistic">Value, or Wilson for <c>errors.rate</c>.</param>
/// <param name="Query">A custom query (PromQL or KQL) for this objective's signal, overriding the source's default.</param>
public sealed record Objective(
    string Name,
    string Signal,
    Direction Direction,
    ThresholdSpec Thresholds,
    double Weight = 1,
    bool Key = false,
    long? MinRequests = null,
    ObjectiveStatistic Statistic = ObjectiveStatistic.Value,
    string? Query = null);

/// <summary>An objective's thresholds.</summary>
/// <param name="Mode">Static, adaptive or none.</param>
/// <param name="Warning">Static warning threshold.</param>
/// <param name="Failure">Static failure threshold.</param>
/// <param name="Kw">Adaptive: spreads from the centre to the warning threshold (default 1.5).</param>
/// <param name="Kf">Adaptive: spreads from the centre to the failure threshold (default 3).</param>
/// <param name="RelFloor">Adaptive: the spread is at least this fraction of |median| (default 0.05).</param>
/// <param name="AbsFloor">Adaptive: the spread is at least this (default 0.005 for errors.rate, else 0).</param>
public sealed record ThresholdSpec(
    ThresholdMode Mode,
    double? Warning = null,
    double? Failure = null,
    double? Kw = null,
    double? Kf = null,
    double? RelFloor = null,
    double? AbsFloor = null)
{
    /// <summary>Default spreads to the warning threshold.</summary>
    public const double DefaultKw = 1.5;

    /// <summary>Default spreads to the failure threshold.</summary>
    public const double DefaultKf = 3;

    /// <summary>Default relative floor of the spread.</summary>
    public const double DefaultRelFloor = 0.05;

    /// <summary>Default absolute floor of the spread for <c>errors.rate</c>.</summary>
    public const double DefaultErrorRateAbsFloor = 0.005;
}

/// <summary>The status of an objective or a verdict, in increasing severity: info, pass, warning, fail, error.</summary>
public enum ObjectiveStatus
{
    /// <summary>Informational: no thresholds, training, or too little traffic.</summary>
    Info,

    /// <summary>Within the warning threshold.</summary>
    Pass,

    /// <summary>Past the warning threshold, within the failure threshold.</summary>
    Warning,

    /// <summary>Past the failure threshold.</summary>
    Fail,

    /// <summary>The signal could not be measured.</summary>
    Error,
}

/// <summary>What to do with the change under test.</summary>
public enum Decision
{
    /// <summary>Pass or warning: keep the change.</summary>
    Go,

    /// <summary>Fail: roll the change back.</summary>
    NoGo,

    /// <summary>Error, or nothing but info: not enough evidence either way.</summary>
    Inconclusive,
}
