using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Core.Definitions;

/// <summary>The JSON spellings of the definition and verdict enums (DESIGN.md §6).</summary>
public static class DefinitionNames
{
    /// <summary><c>lowerIsBetter</c> or <c>higherIsBetter</c>.</summary>
    public static string Of(Direction direction) => direction switch
    {
        Direction.LowerIsBetter => "lowerIsBetter",
        Direction.HigherIsBetter => "higherIsBetter",
        _ => direction.ToString(),
    };

    /// <summary><c>static</c>, <c>adaptive</c> or <c>none</c>.</summary>
    public static string Of(ThresholdMode mode) => mode switch
    {
        ThresholdMode.Static => "static",
        ThresholdMode.Adaptive => "adaptive",
        ThresholdMode.None => "none",
        _ => mode.ToString(),
    };

    /// <summary><c>value</c> or <c>wilson</c>.</summary>
    public static string Of(ObjectiveStatistic statistic) => statistic switch
    {
        ObjectiveStatistic.Value => "value",
        ObjectiveStatistic.Wilson => "wilson",
        _ => statistic.ToString(),
    };

    /// <summary><c>pass</c>, <c>warning</c>, <c>fail</c>, <c>error</c> or <c>info</c>.</summary>
    public static string Of(ObjectiveStatus status) => status switch
    {
        ObjectiveStatus.Info => "info",
        ObjectiveStatus.Pass => "pass",
        ObjectiveStatus.Warning => "warning",
        ObjectiveStatus.Fail => "fail",
        ObjectiveStatus.Error => "error",
        _ => status.ToString(),
    };

    /// <summary><c>go</c>, <c>nogo</c> or <c>inconclusive</c>.</summary>
    public static string Of(Decision decision) => decision switch
    {
        Decision.Go => "go",
        Decision.NoGo => "nogo",
        Decision.Inconclusive => "inconclusive",
        _ => decision.ToString(),
    };

    /// <summary><c>training</c> or <c>validation</c>.</summary>
    public static string Of(RunPurpose purpose) => purpose switch
    {
        RunPurpose.Training => "training",
        RunPurpose.Validation => "validation",
        _ => purpose.ToString(),
    };

    /// <summary>Direction names, case-insensitive.</summary>
    public static IReadOnlyDictionary<string, Direction> Directions { get; } = Table<Direction>(Of);

    /// <summary>Threshold mode names, case-insensitive.</summary>
    public static IReadOnlyDictionary<string, ThresholdMode> Modes { get; } = Table<ThresholdMode>(Of);

    /// <summary>Statistic names, case-insensitive.</summary>
    public static IReadOnlyDictionary<string, ObjectiveStatistic> Statistics { get; } = Table<ObjectiveStatistic>(Of);

    /// <summary>Status names, case-insensitive.</summary>
    public static IReadOnlyDictionary<string, ObjectiveStatus> Statuses { get; } = Table<ObjectiveStatus>(Of);

    /// <summary>Decision names, case-insensitive.</summary>
    public static IReadOnlyDictionary<string, Decision> Decisions { get; } = Table<Decision>(Of);

    /// <summary>Decisions a policy may roll back on: <c>nogo</c> and <c>inconclusive</c>.</summary>
    public static IReadOnlyDictionary<string, Decision> RollbackDecisions { get; } =
        new Dictionary<string, Decision>(StringComparer.OrdinalIgnoreCase) { ["nogo"] = Decision.NoGo, ["inconclusive"] = Decision.Inconclusive };

    /// <summary>Run purpose names, case-insensitive.</summary>
    public static IReadOnlyDictionary<string, RunPurpose> Purposes { get; } = Table<RunPurpose>(Of);

    private static Dictionary<string, T> Table<T>(Func<T, string> name)
        where T : struct, Enum =>
        System.Enum.GetValues<T>().ToDictionary(name, v => v, StringComparer.OrdinalIgnoreCase);
}
