namespace ReleaseGuardian.Core.Judgement;

/// <summary>
/// The Wilson score interval for a proportion. Judging an error rate by its 95% lower bound asks "is the
/// rate credibly this high?", so a handful of errors in a small run does not fail it on noise.
/// </summary>
public static class WilsonInterval
{
    /// <summary>z for a two-sided 95% interval.</summary>
    public const double Z95 = 1.96;

    /// <summary>
    /// The lower bound (p̂ + z²/2n - z·√(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n), clamped to 0..1.
    /// </summary>
    /// <param name="proportion">The observed proportion p̂, 0..1 (clamped).</param>
    /// <param name="trials">The number of trials n (&gt; 0).</param>
    /// <param name="z">The normal quantile (1.96 for 95%).</param>
    public static double LowerBound(double proportion, double trials, double z = Z95)
    {
        if (!(trials > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(trials), trials, "The Wilson bound needs at least one trial.");
        }

        var p = Math.Clamp(proportion, 0, 1);
        var z2 = z * z;
        var centre = p + (z2 / (2 * trials));
        var margin = z * Math.Sqrt((p * (1 - p) / trials) + (z2 / (4 * trials * trials)));
        var bound = (centre - margin) / (1 + (z2 / trials));
        return Math.Clamp(bound, 0, 1);
    }
}
