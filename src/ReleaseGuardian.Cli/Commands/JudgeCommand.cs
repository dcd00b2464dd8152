using System.CommandLine;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;

namespace ReleaseGuardian.Cli.Commands;

/// <summary>
/// <c>guardian judge --guardian g.json [--history runs.json] --run run.json [--output table|json]</c>: judges a
/// run offline (in a CI pipeline) and exits 0 go, 1 nogo, 2 inconclusive, 3 bad input.
/// </summary>
public static class JudgeCommand
{
    /// <summary>Builds the command; results go to <paramref name="output"/>, problems to <paramref name="error"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var guardianOption = new Option<string>("--guardian")
        {
            Description = "The guardian definition JSON file (DESIGN.md §6).",
            Required = true,
        };
        var historyOption = new Option<string?>("--history")
        {
            Description = "The guardian's earlier runs: a JSON array, oldest first, each with status and invalidated. Default: no history.",
        };
        var runOption = new Option<string>("--run")
        {
            Description = "The run to judge: a JSON file with id, purpose, window and signals.",
            Required = true,
        };
        var outputOption = OutputOption.TableOrJson("the verdict JSON");

        var command = new Command("judge", "Judge a run against a guardian's objectives. Exit code: 0 go, 1 nogo, 2 inconclusive, 3 bad input.")
        {
            guardianOption,
            historyOption,
            runOption,
            outputOption,
        };
        command.SetAction(parseResult => Execute(
            parseResult.GetValue(guardianOption)!,
            parseResult.GetValue(historyOption),
            parseResult.GetValue(runOption)!,
            parseResult.GetValue(outputOption) ?? "table",
            output,
            error));
        return command;
    }

    /// <summary>Reads the files, judges the run, writes the verdict and returns the exit code.</summary>
    public static int Execute(string guardianPath, string? historyPath, string runPath, string outputFormat, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var problems = new List<string>();

        GuardianDefinition? guardian = null;
        if (ReadFile("--guardian", guardianPath, problems) is { } guardianJson)
        {
            var parsed = GuardianDefinitionJson.Parse(guardianJson);
            guardian = parsed.Definition;
            AddProblems(problems, $"{guardianPath} is not a valid guardian definition", parsed.Errors.Select(e => e.ToString()));
        }

        IReadOnlyList<HistoricalRun> history = [];
        if (historyPath is not null && ReadFile("--history", historyPath, problems) is { } historyJson)
        {
            var parsed = RunJson.ParseHistory(historyJson);
            history = parsed.Value ?? [];
            AddProblems(problems, $"{historyPath} is not a valid run history", parsed.Errors.Select(e => e.ToString()));
        }

        Run? run = null;
        if (ReadFile("--run", runPath, problems) is { } runJson)
        {
            var parsed = RunJson.ParseRun(runJson);
            run = parsed.Value;
            AddProblems(problems, $"{runPath} is not a valid run", parsed.Errors.Select(e => e.ToString()));
        }

        if (problems.Count > 0 || guardian is null || run is null)
        {
            foreach (var problem in problems)
            {
                error.WriteLine(problem);
            }

            return ExitCodes.BadInput;
        }

        var verdict = Judge.Evaluate(guardian, history, run);
        if (outputFormat == "json")
        {
            output.WriteLine(VerdictJson.Serialize(verdict));
        }
        else
        {
            VerdictTable.Write(output, guardian, run, history.Count, verdict);
        }

        return verdict.Decision switch
        {
            Decision.Go => ExitCodes.Go,
            Decision.NoGo => ExitCodes.NoGo,
            _ => ExitCodes.Inconclusive,
        };
    }

    private static string? ReadFile(string option, string path, List<string> problems)
    {
        try
        {
            if (!File.Exists(path))
            {
                problems.Add($"{option}: file not found: {path}");
                return null;
            }

            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problems.Add($"{option}: cannot read {path}: {ex.Message}");
            return null;
        }
    }

    private static void AddProblems(List<string> problems, string heading, IEnumerable<string> errors)
    {
        var list = errors.ToList();
        if (list.Count == 0)
        {
            return;
        }

        problems.Add($"{heading} ({list.Count} problem{(list.Count == 1 ? "" : "s")}):");
        problems.AddRange(list.Select(e => "  " + e));
    }
}
