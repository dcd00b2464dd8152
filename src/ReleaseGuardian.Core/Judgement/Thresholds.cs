using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Core.Judgement;

/// <summary>
/// The classification table of DESIGN.md §3. Lower-is-better: v ≤ warning pass, warning &lt; v ≤ failure
/// warning, v &gt; failure fail. Higher-is-better mirrors it (v ≥ warning pass, failure ≤ v &lt; warning warning,
/// v &lt; failure fail). Failure only: pass or fail; warning only: pass or warning; neither: info.
/// </summary>
public static class Thresholds
{
    /// <summary>The status of <paramref name="value"/> against the given thresholds.</summary>
    public static ObjectiveStatus Classify(double value, Direction direction, double? warning, double? failure)
    {
        if (warning is null && failure is null)
        {
            return ObjectiveStatus.Info;
        }

        if (failure is { } f && IsPast(value, f, direction))
        {
            return ObjectiveStatus.Fail;
        }

        if (warning is { } w && IsPast(value, w, direction))
        {
            return ObjectiveStatus.Warning;
        }

        return ObjectiveStatus.Pass;
    }

    /// <summary>True when the value is on the bad side of the threshold (equal is not past).</summary>
    public static bool IsPast(double value, double threshold, Direction direction) =>
        direction == Direction.HigherIsBetter ? value < threshold : value > threshold;
}

/// <summary>Fixed thresholds from the definition.</summary>
/// <param name="Warning">The warning threshold, if any.</param>
/// <param name="Failure">The failure threshold, if any.</param>
public sealed record StaticThreshold(double? Warning, double? Failure)
{
    /// <summary>The static thresholds of a spec.</summary>
    public static StaticThreshold From(ThresholdSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new StaticThreshold(spec.Warning, spec.Failure);
    }

    /// <summary>The status of a value (see <see cref="Thresholds.Classify"/>).</summary>
    public ObjectiveStatus Classify(double value, Direction direction) => Thresholds.Classify(value, direction, Warning, Failure);
}

/// <summary>Which term set the spread of an adaptive threshold.</summary>
public enum SpreadBasis
{
    /// <summary>The interquartile range of the baseline.</summary>
    Iqr,

    /// <summary>The relative floor: relFloor·|median|.</summary>
    RelativeFloor,

    /// <summary>The absolute floor: absFloor.</summary>
    AbsoluteFloor,
}

/// <summary>
/// Thresholds learned from a baseline: centre m = median, spread s = max(IQR, relFloor·|m|, absFloor);
/// lower-is-better warning = m + kw·s and failure = m + kf·s, higher-is-better m - kw·s and m - kf·s.
/// </summary>
/// <param name="Median">The centre m.</param>
/// <param name="Iqr">The interquartile range of the baseline (type-7 quantiles).</param>
/// <param name="Spread">The spread s.</param>
/// <param name="SpreadBasis">Which term set s (ties go to IQR, then the relative floor).</param>
/// <param name="Warning">The warning threshold.</param>
/// <param name="Failure">The failure threshold.</param>
public sealed record AdaptiveThreshold(double Median, double Iqr, double Spread, SpreadBasis SpreadBasis, double Warning, double Failure)
{
    /// <summary>Learns thresholds from baseline values.</summary>
    /// <param name="baseline">At least one value.</param>
    /// <param name="direction">Which way is good.</param>
    /// <param name="kw">Spreads from the centre to the warning threshold.</param>
    /// <param name="kf">Spreads from the centre to the failure threshold.</param>
    /// <param name="relFloor">The spread is at least this fraction of |median|.</param>
    /// <param name="absFloor">The spread is at least this.</param>
    public static AdaptiveThreshold Compute(IReadOnlyList<double> baseline, Direction direction, double kw, double kf, double relFloor, double absFloor)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        if (baseline.Count == 0)
        {
            throw new ArgumentException("A baseline needs at least one value.", nameof(baseline));
        }

        var sorted = baseline.Order().ToArray();
        var median = Quantiles.OfSorted(sorted, 0.5);
        var iqr = Quantiles.OfSorted(sorted, 0.75) - Quantiles.OfSorted(sorted, 0.25);
        var relative = relFloor * Math.Abs(median);

        var spread = iqr;
        var basis = SpreadBasis.Iqr;
        if (relative > spread)
        {
            spread = relative;
            basis = SpreadBasis.RelativeFloor;
        }

        if (absFloor > spread)
        {
            spread = absFloor;
            basis = SpreadBasis.AbsoluteFloor;
        }

        var sign = direction == Direction.HigherIsBetter ? -1 : 1;
        var warning = median + (sign * (kw * spread));
        var failure = median + (sign * (kf * spread));
        return new AdaptiveThreshold(median, iqr, spread, basis, warning, failure);
    }

    /// <summary>Learns thresholds from baseline values with the spec's constants (defaults where the spec has none).</summary>
    public static AdaptiveThreshold Compute(IReadOnlyList<double> baseline, Direction direction, ThresholdSpec spec, string signal)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Compute(
            baseline,
            direction,
            spec.Kw ?? ThresholdSpec.DefaultKw,
            spec.Kf ?? ThresholdSpec.DefaultKf,
            spec.RelFloor ?? ThresholdSpec.DefaultRelFloor,
            spec.AbsFloor ?? DefaultAbsFloor(signal));
    }

    /// <summary>0.005 for <c>errors.rate</c>, 0 for every other signal.</summary>
    public static double DefaultAbsFloor(string signal) =>
        signal == Signals.SignalNames.ErrorsRate ? ThresholdSpec.DefaultErrorRateAbsFloor : 0;

    /// <summary>The status of a value (see <see cref="Thresholds.Classify"/>).</summary>
    public ObjectiveStatus Classify(double value, Direction direction) => Thresholds.Classify(value, direction, Warning, Failure);
}
