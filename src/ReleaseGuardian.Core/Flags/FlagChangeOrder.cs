namespace ReleaseGuardian.Core.Flags;

/// <summary>
/// Orders changes of one flag from earliest to latest: by <see cref="FlagChange.ChangedAt"/>; among changes of the
/// same moment (one delivery burst, e.g. Unleash's <c>feature-strategy-add</c> and <c>feature-environment-enabled</c>
/// written by one transaction), a change whose on/off or variant state is known comes after (wins over) one whose
/// state is unknown, then the one with the larger change id, compared as numbers when both are numbers.
/// </summary>
public sealed class FlagChangeOrder : IComparer<FlagChange>
{
    /// <summary>The one instance.</summary>
    public static FlagChangeOrder Instance { get; } = new();

    private FlagChangeOrder()
    {
    }

    /// <summary>The latest of <paramref name="changes"/> by this order; null when there are none.</summary>
    public static FlagChange? Latest(IEnumerable<FlagChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        FlagChange? latest = null;
        foreach (var change in changes)
        {
            if (latest is null || Instance.Compare(change, latest) > 0)
            {
                latest = change;
            }
        }

        return latest;
    }

    /// <summary>True when the change says what the flag serves after it (on/off or a variant).</summary>
    public static bool StatesItsResult(FlagChange change) =>
        change.Current.Enabled is not null || change.Current.Variant is not null;

    /// <inheritdoc />
    public int Compare(FlagChange? x, FlagChange? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var byTime = x.ChangedAt.CompareTo(y.ChangedAt);
        if (byTime != 0)
        {
            return byTime;
        }

        var byKnownResult = StatesItsResult(x).CompareTo(StatesItsResult(y));
        if (byKnownResult != 0)
        {
            return byKnownResult;
        }

        var byKnownPrevious = (x.Previous is { } px && (px.Enabled is not null || px.Variant is not null))
            .CompareTo(y.Previous is { } py && (py.Enabled is not null || py.Variant is not null));
        return byKnownPrevious != 0 ? byKnownPrevious : CompareIds(x.ChangeId, y.ChangeId);
    }

    /// <summary>Change ids as numbers when both are (Unleash's 9 before 10), otherwise ordinally.</summary>
    public static int CompareIds(string x, string y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (IsDigits(x) && IsDigits(y))
        {
            // Any length of digits: fewer significant digits is the smaller number.
            var a = x.TrimStart('0');
            var b = y.TrimStart('0');
            var byLength = a.Length.CompareTo(b.Length);
            return byLength != 0 ? byLength : string.CompareOrdinal(a, b);
        }

        return string.CompareOrdinal(x, y);
    }

    private static bool IsDigits(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);
}
