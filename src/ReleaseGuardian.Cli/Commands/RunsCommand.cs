using System.CommandLine;
using System.Globalization;
using ReleaseGuardian.Cli.Client;
using ReleaseGuardian.Core.Judgement;
using Spectre.Console;

namespace ReleaseGuardian.Cli.Commands;

/// <summary>
/// <c>guardian runs &lt;guardianId&gt; [--page-size N] [--continuation token] [--output table|json]</c>: lists a
/// guardian's runs, newest first. Exit code: 0 listed, 3 bad input, unknown guardian, unauthorized or unreachable.
/// </summary>
public static class RunsCommand
{
    private const int Listed = 0;

    /// <summary>Builds the command; results go to <paramref name="output"/>, problems to <paramref name="error"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var guardianArgument = new Argument<string>("guardianId")
        {
            Description = "The guardian whose runs to list, e.g. checkout.",
        };
        var pageSizeOption = new Option<int?>("--page-size")
        {
            Description = "Runs per page, 1 to 200 (the server's default is 50).",
        };
        pageSizeOption.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 or > 200)
            {
                result.AddError("--page-size: must be between 1 and 200");
            }
        });
        var continuationOption = new Option<string?>("--continuation")
        {
            Description = "Continue after the previous page (the token the previous page printed).",
        };
        var outputOption = OutputOption.TableOrJson("the server's runs document");
        var connection = new ConnectionOptions();

        var command = new Command("runs", "List a guardian's runs, newest first. Exit code: 0 listed, 3 bad input / not found / unauthorized.")
        {
            guardianArgument,
            pageSizeOption,
            continuationOption,
            outputOption,
        };
        connection.AddTo(command);
        command.SetAction(parseResult => connection.Run(parseResult, error, client => ExecuteAsync(
            client,
            parseResult.GetValue(guardianArgument)!,
            parseResult.GetValue(pageSizeOption),
            parseResult.GetValue(continuationOption),
            parseResult.GetValue(outputOption) ?? "table",
            output,
            error,
            CancellationToken.None)));
        return command;
    }

    /// <summary>Lists one page of runs and returns the exit code.</summary>
    public static async Task<int> ExecuteAsync(
        GuardianClient client, string guardianId, int? pageSize, string? continuation, string outputFormat, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (string.IsNullOrWhiteSpace(guardianId))
        {
            error.WriteLine("error: guardianId: must not be empty");
            return ExitCodes.BadInput;
        }

        var answer = await client.ListRunsAsync(guardianId, pageSize, continuation, cancellationToken).ConfigureAwait(false);
        if (!answer.IsSuccess || answer.Json is not { } document)
        {
            ServerOutput.WriteProblem(error, answer, answer.StatusCode == 401 && !client.HasApiKey
                ? $"pass --api-key or set {GuardianConnection.ApiKeyVariable}"
                : null);
            return ExitCodes.BadInput;
        }

        if (outputFormat == "json")
        {
            output.WriteLine(Json.Indented(document));
            return Listed;
        }

        var page = RunsPage.From(document);
        var console = ServerOutput.CreateConsole(output);
        var count = page.Runs.Count;
        console.WriteLine($"Guardian {page.Guardian ?? guardianId}: {count} run{(count == 1 ? "" : "s")}{(continuation is null ? "" : " (continued)")}, newest first");
        if (count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("Run");
            table.AddColumn("Purpose");
            table.AddColumn("Window (UTC)");
            table.AddColumn("Status");
            table.AddColumn("Decision");
            table.AddColumn(new TableColumn("Score").RightAligned());
            table.AddColumn("Invalidated");
            foreach (var run in page.Runs)
            {
                table.AddRow(
                    new Text(run.RunId ?? "?"),
                    new Text(run.Purpose ?? "-"),
                    new Text(Window(run.Start, run.End)),
                    new Text(run.Status ?? "-"),
                    new Markup(DecisionMarkup(run.Decision)),
                    new Text(run.Score is { } score ? Numbers.Text(score) : "-"),
                    new Text(run.Invalidated ? (run.InvalidatedReason is null ? "yes" : $"yes: {run.InvalidatedReason}") : "no"));
            }

            console.Write(table);
        }

        if (page.Continuation is not null)
        {
            console.WriteLine($"More runs: guardian runs {guardianId} --continuation {page.Continuation}{(pageSize is { } size ? $" --page-size {size}" : "")}");
        }

        return Listed;
    }

    /// <summary><c>2026-11-24 10:00:00 to 10:01:00</c>, repeating the date only when the window crosses midnight.</summary>
    internal static string Window(DateTimeOffset? start, DateTimeOffset? end)
    {
        if (start is not { } from || end is not { } to)
        {
            return "-";
        }

        from = from.ToUniversalTime();
        to = to.ToUniversalTime();
        var endFormat = from.Date == to.Date ? "HH:mm:ss" : "yyyy-MM-dd HH:mm:ss";
        return $"{from.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} to {to.ToString(endFormat, CultureInfo.InvariantCulture)}";
    }

    private static string DecisionMarkup(string? decision) => decision switch
    {
        "go" => "[green]go[/]",
        "nogo" => "[red bold]nogo[/]",
        "inconclusive" => "[yellow]inconclusive[/]",
        null => "-",
        _ => Markup.Escape(decision),
    };
}
