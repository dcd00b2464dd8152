using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Core.Judgement;

/// <summary>One run's value in a baseline.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Value">The judged statistic of the objective in that run.</param>
public sealed record BaselineSample(string RunId, double Value);

/// <summary>
/// The earlier runs an adaptive objective learns from. A run is eligible when its verdict was pass, warning or
/// info and no user invalidated it; fail and error runs never enter. Runs that lack the objective's statistic
/// do not count for that objective. The last <c>maxRuns</c> eligible runs are used; with fewer than
/// <c>minRuns</c> the objective is still training.
/// </summary>
/// <param name="Samples">The runs used, oldest first (at most maxRuns).</param>
/// <param name="MinRuns">Runs needed before the objective judges.</param>
/// <param name="MaxRuns">The most recent runs kept.</param>
/// <param name="Skipped">History entries inside the used span that were left out (ineligible or without the statistic).</param>
public sealed record Baseline(IReadOnlyList<BaselineSample> Samples, int MinRuns, int MaxRuns, int Skipped = 0)
{
    /// <summary>True when enough runs exist to learn thresholds.</summary>
    public bool IsTrained => Samples.Count >= MinRuns;

    /// <summary>The values, oldest first.</summary>
    public IReadOnlyList<double> Values => [.. Samples.Select(s => s.Value)];

    /// <summary>The run ids, oldest first.</summary>
    public IReadOnlyList<string> RunIds => [.. Samples.Select(s => s.RunId)];

    /// <summary>True when a run may enter a baseline: pass, warning or info, and not invalidated.</summary>
    public static bool IsEligible(HistoricalRun entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return !entry.Invalidated && entry.Status is ObjectiveStatus.Pass or ObjectiveStatus.Warning or ObjectiveStatus.Info;
    }

    /// <summary>Selects the baseline of one objective from a chronological history (oldest first).</summary>
    /// <param name="history">Earlier runs, oldest first.</param>
    /// <param name="training">minRuns and maxRuns.</param>
    /// <param name="statistic">The objective's judged statistic of a run, or null when the run lacks it.</param>
    /// <param name="excludeRunId">A run never to learn from (the run being judged, should the history already hold it).</param>
    public static Baseline Select(IReadOnlyList<HistoricalRun> history, TrainingSettings training, Func<Run, double?> statistic, string? excludeRunId = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(statistic);
        var maxRuns = Math.Max(1, training.MaxRuns);
        var picked = new List<(int Index, BaselineSample Sample)>();
        for (var i = history.Count - 1; i >= 0 && picked.Count < maxRuns; i--)
        {
            var entry = history[i];
            if (entry is null || !IsEligible(entry) || entry.Run.Id == excludeRunId)
            {
                continue;
            }

            if (statistic(entry.Run) is { } value && double.IsFinite(value))
            {
                picked.Add((i, new BaselineSample(entry.Run.Id, value)));
            }
        }

        picked.Reverse();
        var skipped = picked.Count == 0 ? 0 : (picked[^1].Index - picked[0].Index + 1) - picked.Count;
        return new Baseline([.. picked.Select(p => p.Sample)], training.MinRuns, maxRuns, skipped);
    }
}
