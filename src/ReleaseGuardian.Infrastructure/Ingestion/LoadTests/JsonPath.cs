using System.Globalization;

namespace ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

/// <summary>
/// Builds the JSON paths that problems name: <c>metrics.http_req_duration.values["p(95)"]</c>, <c>[3].data.flagKey</c>.
/// Keys that are not plain identifiers are bracket-quoted so the path can be read back unambiguously.
/// </summary>
internal static class JsonPath
{
    public static string Property(string parent, string name)
    {
        if (IsIdentifier(name))
        {
            return parent.Length == 0 ? name : parent + "." + name;
        }

        return parent + "[\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"]";
    }

    public static string Index(string parent, int index) => parent + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    private static bool IsIdentifier(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_' || name[0] == '$'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '$'))
            {
                return false;
            }
        }

        return true;
    }
}
