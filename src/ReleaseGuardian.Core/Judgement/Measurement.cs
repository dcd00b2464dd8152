using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Core.Judgement;

/// <summary>How an objective's statistic came out of a run.</summary>
internal enum MeasurementOutcome
{
    Measured,
    Missing,
    NoTraffic,
}

/// <summary>An objective's judged statistic in one run: the signal itself, or the Wilson lower bound of errors.rate.</summary>
internal readonly record struct Measurement(MeasurementOutcome Outcome, double Value, double? Raw, double? Requests, string Problem)
{
    public static Measurement Of(Objective objective, Run run)
    {
        if (objective.Statistic != ObjectiveStatistic.Wilson)
        {
            return run.Signal(objective.Signal) is { } value && double.IsFinite(value)
                ? new Measurement(MeasurementOutcome.Measured, value, null, run.Signal(SignalNames.TrafficRequests), "")
                : Missing(objective.Signal, run, run.Signals.ContainsKey(objective.Signal) ? "is not a finite number in" : "missing from");
        }

        if (run.Signal(SignalNames.TrafficRequests) is not { } requests || !double.IsFinite(requests))
        {
            return Missing(SignalNames.TrafficRequests, run, "missing from", " (the Wilson bound needs it)");
        }

        double rate;
        if (run.Signal(SignalNames.ErrorsRate) is { } measuredRate && double.IsFinite(measuredRate))
        {
            rate = measuredRate;
        }
        else if (run.Signal(SignalNames.ErrorsCount) is { } count && double.IsFinite(count) && requests > 0)
        {
            rate = count / requests;
        }
        else
        {
            return Missing(SignalNames.ErrorsRate, run, "missing from", $" (and no {SignalNames.ErrorsCount} to derive it)");
        }

        if (!(requests > 0))
        {
            return new Measurement(MeasurementOutcome.NoTraffic, double.NaN, rate, requests, "insufficient traffic: 0 requests, the Wilson bound needs at least 1");
        }

        return new Measurement(MeasurementOutcome.Measured, WilsonInterval.LowerBound(rate, requests), rate, requests, "");
    }

    /// <summary>The statistic for baselines: the value when measured, else null.</summary>
    public static double? ValueOf(Objective objective, Run run) =>
        Of(objective, run) is { Outcome: MeasurementOutcome.Measured } m ? m.Value : null;

    private static Measurement Missing(string signal, Run run, string how, string suffix = "") =>
        new(MeasurementOutcome.Missing, double.NaN, null, null, $"signal {signal} {how} run {run.Id}{suffix}");
}
