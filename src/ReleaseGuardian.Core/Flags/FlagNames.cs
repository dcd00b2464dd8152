namespace ReleaseGuardian.Core.Flags;

/// <summary>
/// What a flag key, project or environment may be: rollback clients put each into a provider's URL path as one
/// segment, so it must stay one segment whatever the server in between decodes. <c>.</c> and <c>..</c> are refused
/// because a URL parser (.NET's included) removes them even when escaped as <c>%2E</c>, taking the request, with its
/// token, to another API path; <c>/</c>, <c>\</c>, <c>%</c>, <c>;</c>, <c>?</c>, <c>#</c>, control characters and
/// lone surrogates are refused because some server or proxy along the way reads them as structure.
/// </summary>
public static class FlagNames
{
    /// <summary>The characters refused anywhere in a flag key, project or environment.</summary>
    public const string RefusedCharacters = "/ \\ % ; ? #";

    /// <summary>Why <paramref name="value"/> cannot be carried as one URL path segment, or null when it can.</summary>
    public static string? ProblemWith(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (value is "." or "..")
        {
            return $"must not be '{value}' (a dot segment would take the rollback request to another URL path)";
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is '/' or '\\' or '%' or ';' or '?' or '#')
            {
                return $"must not contain '{c}' (refused: {RefusedCharacters}; it cannot be carried safely in a URL path)";
            }

            if (char.IsControl(c))
            {
                return "must not contain control characters";
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return "must not contain a lone UTF-16 surrogate";
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="value"/> can be carried as one URL path segment.</summary>
    public static bool IsSafe(string? value) => ProblemWith(value) is null;
}
