using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Core.Judgement;

/// <summary>One measured run: a load test (or a manual evaluation window) and the signals measured over it.</summary>
/// <param name="Id">The run's id, unique within its guardian (e.g. <c>run-6</c> or the load test's id).</param>
/// <param name="Purpose">Training or validation.</param>
/// <param name="Window">The measured time window, when known.</param>
/// <param name="Signals">Measured values keyed by signal name (<c>latency.p95</c>, <c>errors.rate</c>, ...).</param>
public sealed record Run(string Id, RunPurpose Purpose, RunWindow? Window, IReadOnlyDictionary<string, double> Signals)
{
    /// <summary>The value of a signal, or null when the run did not measure it.</summary>
    public double? Signal(string name) => Signals.TryGetValue(name, out var value) ? value : null;
}

/// <summary>The time window a run measured.</summary>
/// <param name="Start">Start (inclusive).</param>
/// <param name="End">End.</param>
public sealed record RunWindow(DateTimeOffset Start, DateTimeOffset End);

/// <summary>An earlier run of the same guardian with the verdict status it got: the material baselines learn from.</summary>
/// <param name="Run">The run and its signals.</param>
/// <param name="Status">The status of its verdict.</param>
/// <param name="Invalidated">True when a user marked the run as not representative; it then never enters a baseline.</param>
public sealed record HistoricalRun(Run Run, ObjectiveStatus Status, bool Invalidated = false);
