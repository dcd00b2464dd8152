using System.Text.RegularExpressions;
using Spectre.Console;

namespace ReleaseGuardian.Cli.Client;

/// <summary>How the server commands print: Spectre tables on any writer, and the server's problems on stderr.</summary>
public static partial class ServerOutput
{
    /// <summary>True when <paramref name="writer"/> is the process's own terminal (colours, live progress).</summary>
    public static bool IsTerminal(TextWriter writer) =>
        (ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected) ||
        (ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected);

    /// <summary>A Spectre console over <paramref name="output"/>; plain text and wide when it is not a terminal.</summary>
    public static IAnsiConsole CreateConsole(TextWriter output)
    {
        var terminal = IsTerminal(output);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!terminal)
        {
            // Redirected output is read by scripts and tests: never wrap a cell.
            console.Profile.Width = 240;
        }

        return console;
    }

    /// <summary>Prints the server's problem detail (and every listed error) to <paramref name="error"/>, with an optional hint.</summary>
    public static void WriteProblem(TextWriter error, ServerAnswer answer, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(answer);
        var problem = answer.Problem;
        error.WriteLine($"error: {problem}");
        foreach (var item in problem.Errors)
        {
            error.WriteLine($"  {item}");
        }

        if (hint is not null)
        {
            error.WriteLine($"hint: {hint}");
        }
    }

    /// <summary>
    /// A URL with any <c>code=</c> (the management key in Durable's check-status links) masked, so a key the
    /// server echoed never reaches a terminal or a CI log.
    /// </summary>
    public static string Redacted(string url) => CodeParameter().Replace(url, "$1***");

    [GeneratedRegex("([?&]code=)[^&#]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CodeParameter();
}
