using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;
using Spectre.Console;

namespace ReleaseGuardian.Cli.Commands;

/// <summary>Renders a verdict as a table of objectives followed by the decision line.</summary>
public static class VerdictTable
{
    /// <summary>Writes the table; colours only when <paramref name="output"/> is an interactive terminal.</summary>
    public static void Write(TextWriter output, GuardianDefinition guardian, Run run, int historyCount, Verdict verdict)
    {
        ArgumentNullException.ThrowIfNull(guardian);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(verdict);
        var terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = 200;
        }

        console.MarkupLine($"Guardian [bold]{Markup.Escape(guardian.DisplayName)}[/] ({Markup.Escape(guardian.Id)}), run [bold]{Markup.Escape(run.Id)}[/] ({DefinitionNames.Of(run.Purpose)}), {historyCount} earlier run{(historyCount == 1 ? "" : "s")}");

        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("Objective");
        table.AddColumn(new TableColumn("Value").RightAligned());
        table.AddColumn(new TableColumn("Warning").RightAligned());
        table.AddColumn(new TableColumn("Failure").RightAligned());
        table.AddColumn("Status");
        table.AddColumn("Explanation");
        foreach (var o in verdict.Objectives)
        {
            var name = o.Key ? $"{o.Name} (key)" : o.Name;
            table.AddRow(
                new Text(name),
                new Text(Number(o.Value)),
                new Text(Number(o.Warning)),
                new Text(Number(o.Failure)),
                new Markup($"[{StatusColour(o.Status)}]{DefinitionNames.Of(o.Status)}[/]"),
                new Text(o.Explanation));
        }

        console.Write(table);
        var decision = verdict.Decision switch
        {
            Decision.Go => "[green bold]GO[/]",
            Decision.NoGo => "[red bold]NO-GO[/]",
            _ => "[yellow bold]INCONCLUSIVE[/]",
        };
        var score = verdict.Score is { } s ? Numbers.Text(s) : "n/a";
        console.MarkupLine($"Decision: {decision} (status {DefinitionNames.Of(verdict.Status)}, score {score})");
        console.WriteLine(verdict.Explanation);
    }

    private static string Number(double? value) => value is { } v ? Numbers.Text(v) : "-";

    private static string StatusColour(ObjectiveStatus status) => status switch
    {
        ObjectiveStatus.Pass => "green",
        ObjectiveStatus.Warning => "yellow",
        ObjectiveStatus.Fail => "red bold",
        ObjectiveStatus.Error => "fuchsia bold",
        _ => "grey",
    };
}
