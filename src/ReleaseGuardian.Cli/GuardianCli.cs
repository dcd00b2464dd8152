using System.CommandLine;
using ReleaseGuardian.Cli.Commands;

namespace ReleaseGuardian.Cli;

/// <summary>The <c>guardian</c> command line, runnable in-process with any output writers (the tests do).</summary>
public static class GuardianCli
{
    /// <summary>Parses and runs a command line.</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <returns>The exit code: for <c>judge</c> 0 go, 1 nogo, 2 inconclusive, 3 bad input.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        var root = new RootCommand("Release Guardian: protects feature-flag releases with evidence.");
        root.Subcommands.Add(JudgeCommand.Create(output, error));
        root.Subcommands.Add(StatusCommand.Create(output, error));
        root.Subcommands.Add(RunsCommand.Create(output, error));
        root.Subcommands.Add(SendCommand.Create(output, error));
        root.Subcommands.Add(ReleaseCommand.Create(output, error));
        root.Subcommands.Add(DemoCommand.Create(output, error));

        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var parseError in parseResult.Errors)
            {
                error.WriteLine($"error: {parseError.Message}");
            }

            error.WriteLine("Run 'guardian --help' or 'guardian judge --help' for usage.");
            return ExitCodes.BadInput;
        }

        try
        {
            return parseResult.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex)
        {
            // Never let an unexpected failure masquerade as a No-Go (exit 1) in a pipeline.
            error.WriteLine($"error: {ex.GetType().Name}: {ex.Message}");
            return ExitCodes.BadInput;
        }
    }
}

/// <summary>The exit codes of <c>guardian judge</c> (DESIGN.md §6).</summary>
public static class ExitCodes
{
    /// <summary>Go.</summary>
    public const int Go = 0;

    /// <summary>No-Go.</summary>
    public const int NoGo = 1;

    /// <summary>Inconclusive.</summary>
    public const int Inconclusive = 2;

    /// <summary>Bad input: a missing or unreadable file, malformed JSON, an invalid definition, run or history, bad arguments.</summary>
    public const int BadInput = 3;
}
