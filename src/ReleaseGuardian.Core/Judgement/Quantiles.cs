namespace ReleaseGuardian.Core.Judgement;

/// <summary>
/// Sample quantiles by linear interpolation between order statistics (Hyndman and Fan type 7, the default of
/// R, NumPy and Excel's PERCENTILE.INC): for sorted values x[0..n-1] and 0 &lt;= p &lt;= 1, h = (n-1)·p and
/// Q(p) = x[⌊h⌋] + (h-⌊h⌋)·(x[⌊h⌋+1] - x[⌊h⌋]).
/// </summary>
public static class Quantiles
{
    /// <summary>The type-7 quantile of <paramref name="values"/> at <paramref name="p"/>.</summary>
    /// <exception cref="ArgumentException">No values, or p outside 0..1.</exception>
    public static double Of(IReadOnlyList<double> values, double p)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("At least one value is needed.", nameof(values));
        }

        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "p must be within 0..1.");
        }

        var sorted = values.Order().ToArray();
        return OfSorted(sorted, p);
    }

    /// <summary>The median (the type-7 quantile at 0.5: the middle value, or the mean of the two middle values).</summary>
    public static double Median(IReadOnlyList<double> values) => Of(values, 0.5);

    /// <summary>The interquartile range Q(0.75) - Q(0.25), type 7.</summary>
    public static double InterquartileRange(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        return OfSorted(sorted, 0.75) - OfSorted(sorted, 0.25);
    }

    internal static double OfSorted(double[] sorted, double p)
    {
        var h = (sorted.Length - 1) * p;
        var lo = (int)Math.Floor(h);
        var fraction = h - lo;
        if (fraction == 0 || lo + 1 >= sorted.Length || sorted[lo] == sorted[lo + 1])
        {
            return sorted[lo];
        }

        // Weighted form rather than x + f·(y - x): it is exactly mirror-symmetric (Q_p(-x) = -Q_{1-p}(x)),
        // so judging -v against -baseline as higher-is-better gives bit-for-bit the same thresholds.
        return (sorted[lo] * (1 - fraction)) + (sorted[lo + 1] * fraction);
    }
}
