using System.Text.RegularExpressions;

namespace ReleaseGuardian.Core.Formats;

/// <summary>
/// Orders JSON paths of a guardian definition the way the §6 document is written (id, displayName, ...,
/// objectives by index, policy), so problems found by different passes read top to bottom.
/// </summary>
internal sealed partial class DefinitionPathOrder(string[] fieldOrder) : IComparer<string>
{
    // Declared before the instances that use it (static fields initialise in text order).
    private static readonly string[] GuardianFieldOrder =
    [
        "$", "id", "displayName", "service", "flag", "provider", "key", "project", "environment", "settings",
        "metrics", "source", "type", "url", "workspaceId", "table", "roleName", "timeoutSeconds", "queries",
        "training", "minRuns", "maxRuns",
        "objectives", "name", "signal", "direction", "thresholds", "mode", "warning", "failure", "kw", "kf", "relFloor", "absFloor",
        "weight", "minRequests", "statistic", "query",
        "policy", "rollbackOn", "notify",
    ];

    public static DefinitionPathOrder Instance { get; } = new(GuardianFieldOrder);

    /// <summary>The release plan's fields in the order its JSON is written (issue 15).</summary>
    public static DefinitionPathOrder ReleasePlan { get; } = new(
        ["$", "stages", "rollout", "hold", "validate", "approval", "requiredPasses", "approvalTimeout", "variant"]);

    public int Compare(string? x, string? y)
    {
        var a = Segments().Matches(x ?? "").Select(m => m.Value).ToArray();
        var b = Segments().Matches(y ?? "").Select(m => m.Value).ToArray();
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var c = CompareSegment(a[i], b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Length.CompareTo(b.Length);
    }

    private int CompareSegment(string a, string b)
    {
        if (a == b)
        {
            return 0;
        }

        var aIndex = a.StartsWith('[') && int.TryParse(a.AsSpan(1, a.Length - 2), out var ai) ? ai : -1;
        var bIndex = b.StartsWith('[') && int.TryParse(b.AsSpan(1, b.Length - 2), out var bi) ? bi : -1;
        if (aIndex >= 0 && bIndex >= 0)
        {
            return aIndex.CompareTo(bIndex);
        }

        var aRank = Rank(a);
        var bRank = Rank(b);
        return aRank != bRank ? aRank.CompareTo(bRank) : string.CompareOrdinal(a, b);
    }

    private int Rank(string segment)
    {
        var rank = Array.IndexOf(fieldOrder, segment);
        return rank < 0 ? fieldOrder.Length : rank;
    }

    [GeneratedRegex(@"\[[^\]]*\]|[^.\[]+")]
    private static partial Regex Segments();
}
