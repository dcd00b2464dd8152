using CsCheck;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;

namespace ReleaseGuardian.Core.Tests.Judgement;

public sealed class ThresholdsTests
{
    [Theory]
    [InlineData(599, ObjectiveStatus.Pass)]
    [InlineData(600, ObjectiveStatus.Pass)]
    [InlineData(600.01, ObjectiveStatus.Warning)]
    [InlineData(800, ObjectiveStatus.Warning)]
    [InlineData(800.01, ObjectiveStatus.Fail)]
    public void Lower_is_better_follows_the_design_table(double value, ObjectiveStatus expected) =>
        Assert.Equal(expected, new StaticThreshold(600, 800).Classify(value, Direction.LowerIsBetter));

    [Theory]
    [InlineData(101, ObjectiveStatus.Pass)]
    [InlineData(100, ObjectiveStatus.Pass)]
    [InlineData(99, ObjectiveStatus.Warning)]
    [InlineData(50, ObjectiveStatus.Warning)]
    [InlineData(49, ObjectiveStatus.Fail)]
    public void Higher_is_better_mirrors_the_table(double value, ObjectiveStatus expected) =>
        Assert.Equal(expected, new StaticThreshold(100, 50).Classify(value, Direction.HigherIsBetter));

    [Theory]
    [InlineData(null, 800.0, 900.0, ObjectiveStatus.Fail)]
    [InlineData(null, 800.0, 700.0, ObjectiveStatus.Pass)]
    [InlineData(600.0, null, 9000.0, ObjectiveStatus.Warning)]
    [InlineData(600.0, null, 500.0, ObjectiveStatus.Pass)]
    [InlineData(null, null, 1e9, ObjectiveStatus.Info)]
    public void One_threshold_gives_two_outcomes_and_none_gives_info(double? warning, double? failure, double value, ObjectiveStatus expected) =>
        Assert.Equal(expected, Thresholds.Classify(value, Direction.LowerIsBetter, warning, failure));

    [Fact]
    public void Quantiles_use_linear_interpolation_type_7()
    {
        double[] values = [1, 2, 3, 4];

        Assert.Equal(1.75, Quantiles.Of(values, 0.25));
        Assert.Equal(2.5, Quantiles.Median(values));
        Assert.Equal(3.25, Quantiles.Of(values, 0.75));
        Assert.Equal(1.5, Quantiles.InterquartileRange(values));
        Assert.Equal(7, Quantiles.Median([7]));
    }

    [Fact]
    public void The_spread_is_the_iqr_when_it_exceeds_both_floors()
    {
        var t = AdaptiveThreshold.Compute([100, 110, 120, 130, 140], Direction.LowerIsBetter, 1.5, 3, 0.05, 0);

        Assert.Equal(120, t.Median);
        Assert.Equal(20, t.Iqr);
        Assert.Equal((20.0, SpreadBasis.Iqr), (t.Spread, t.SpreadBasis));
        Assert.Equal(150, t.Warning);
        Assert.Equal(180, t.Failure);
    }

    [Fact]
    public void A_flat_zero_baseline_uses_the_absolute_floor()
    {
        var t = AdaptiveThreshold.Compute([0, 0, 0, 0, 0], Direction.LowerIsBetter, 1.5, 3, 0.05, 0.005);

        Assert.Equal((0.005, SpreadBasis.AbsoluteFloor), (t.Spread, t.SpreadBasis));
        Assert.Equal(0.0075, t.Warning, 12);
        Assert.Equal(0.015, t.Failure, 12);
    }

    [Fact]
    public void Higher_is_better_puts_the_thresholds_below_the_median()
    {
        var t = AdaptiveThreshold.Compute([1171, 1180, 1165, 1175, 1169], Direction.HigherIsBetter, 1.5, 3, 0.05, 0);

        Assert.Equal((1171.0, 6.0), (t.Median, t.Iqr));
        Assert.Equal(SpreadBasis.RelativeFloor, t.SpreadBasis);
        Assert.Equal(1083.175, t.Warning, 9);
        Assert.Equal(995.35, t.Failure, 9);
    }

    private static readonly Gen<double[]> Baselines = Gen.Double[-1e6, 1e6].Array[1, 40];
    private static readonly Gen<(double Kw, double Kf)> Ks = Gen.Double[0.1, 5].Select(Gen.Double[0.01, 5], (kw, extra) => (kw, kw + extra));
    private static readonly Gen<double> Floors = Gen.Double[0, 0.5];

    private static int Severity(ObjectiveStatus status) => status switch
    {
        ObjectiveStatus.Pass => 0,
        ObjectiveStatus.Warning => 1,
        ObjectiveStatus.Fail => 2,
        _ => throw new InvalidOperationException(status.ToString()),
    };

    [Fact]
    public void A_worse_value_never_gets_a_better_status() =>
        Gen.Select(Baselines, Ks, Floors, Gen.Double[-2e6, 2e6], Gen.Double[-2e6, 2e6], Gen.Bool).Sample((baseline, k, relFloor, a, b, lower) =>
        {
            var direction = lower ? Direction.LowerIsBetter : Direction.HigherIsBetter;
            var t = AdaptiveThreshold.Compute(baseline, direction, k.Kw, k.Kf, relFloor, 0.001);
            var (better, worse) = lower ? (Math.Min(a, b), Math.Max(a, b)) : (Math.Max(a, b), Math.Min(a, b));
            return Severity(t.Classify(worse, direction)) >= Severity(t.Classify(better, direction));
        });

    [Fact]
    public void Judging_v_lower_is_better_equals_judging_minus_v_higher_is_better_on_the_negated_baseline() =>
        Gen.Select(Baselines, Ks, Floors, Floors, Gen.Double[-2e6, 2e6]).Sample((baseline, k, relFloor, absFloor, v) =>
        {
            var lower = AdaptiveThreshold.Compute(baseline, Direction.LowerIsBetter, k.Kw, k.Kf, relFloor, absFloor);
            var higher = AdaptiveThreshold.Compute([.. baseline.Select(x => -x)], Direction.HigherIsBetter, k.Kw, k.Kf, relFloor, absFloor);
            return lower.Classify(v, Direction.LowerIsBetter) == higher.Classify(-v, Direction.HigherIsBetter)
                && lower.Spread == higher.Spread
                && lower.Warning == -higher.Warning
                && lower.Failure == -higher.Failure;
        });

    [Fact]
    public void The_spread_never_falls_below_either_floor_nor_the_iqr() =>
        Gen.Select(Baselines, Floors, Floors, Gen.Bool).Sample((baseline, relFloor, absFloor, lower) =>
        {
            var t = AdaptiveThreshold.Compute(baseline, lower ? Direction.LowerIsBetter : Direction.HigherIsBetter, 1.5, 3, relFloor, absFloor);
            return t.Spread >= relFloor * Math.Abs(t.Median) && t.Spread >= absFloor && t.Spread >= t.Iqr && t.Iqr >= 0;
        });

    [Fact]
    public void The_warning_threshold_lies_between_the_median_and_the_failure_threshold() =>
        Gen.Select(Baselines, Ks, Floors, Gen.Bool).Sample((baseline, k, relFloor, lower) =>
        {
            var t = AdaptiveThreshold.Compute(baseline, lower ? Direction.LowerIsBetter : Direction.HigherIsBetter, k.Kw, k.Kf, relFloor, 0);
            return lower
                ? t.Median <= t.Warning && t.Warning <= t.Failure
                : t.Median >= t.Warning && t.Warning >= t.Failure;
        });

    [Fact]
    public void The_median_lies_within_the_baseline_and_the_iqr_within_its_range() =>
        Baselines.Sample(baseline =>
        {
            var median = Quantiles.Median(baseline);
            var iqr = Quantiles.InterquartileRange(baseline);
            return median >= baseline.Min() && median <= baseline.Max() && iqr >= 0 && iqr <= baseline.Max() - baseline.Min();
        });
}
