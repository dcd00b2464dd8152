using System.CommandLine;

namespace ReleaseGuardian.Cli.Commands;

/// <summary>The <c>--output table|json</c> option every command shares.</summary>
internal static class OutputOption
{
    /// <summary>A table by default, or <paramref name="jsonIs"/> as JSON.</summary>
    public static Option<string> TableOrJson(string jsonIs)
    {
        var option = new Option<string>("--output")
        {
            Description = $"table (default) or json ({jsonIs}).",
            DefaultValueFactory = _ => "table",
        };
        option.AcceptOnlyFromAmong("table", "json");
        return option;
    }
}
