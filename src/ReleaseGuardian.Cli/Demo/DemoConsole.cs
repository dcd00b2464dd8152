using System.Globalization;
using ReleaseGuardian.Demo.LoadGeneration;
using ReleaseGuardian.Demo.Scenario;
using Spectre.Console;

namespace ReleaseGuardian.Cli.Demo;

/// <summary>
/// Shows the demo live with Spectre.Console: a chapter rule per stage, one line per new custom status of the
/// baseline training orchestration (<c>training k/N: ...</c>), a progress bar while a validation load test runs,
/// the guardian's workflow step while it evaluates (the orchestration's custom status), and one verdict line
/// per run. On a console that is not interactive (output redirected, CI) it writes plain lines instead.
/// </summary>
public sealed class DemoConsole(IAnsiConsole console) : IDemoProgress
{
    private readonly bool _interactive = console.Profile.Capabilities.Interactive;
    private int _stage;
    private string _label = "";
    private Task? _live;
    private ProgressTask? _task;
    private TaskCompletionSource? _done;
    private string? _lastStep;
    private string? _lastTraining;
    private string? _lastRelease;

    /// <inheritdoc />
    public void Stage(string title)
    {
        _stage++;
        console.WriteLine();
        console.Write(new Rule($"[bold deepskyblue1]{_stage}. {Markup.Escape(title)}[/]").LeftJustified().RuleStyle("grey"));
    }

    /// <inheritdoc />
    public void Note(string text) => console.MarkupLine($"  [grey]•[/] {Markup.Escape(text)}");

    /// <inheritdoc />
    public void LoadTestStarted(string testId, string label, string flagVariant, LoadProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        _label = $"{testId} ({label}, flag {flagVariant})";
        _lastStep = null;
        var what = $"{profile.TotalRequests} requests at {profile.RequestsPerSecond}/s for {profile.Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
        if (!_interactive)
        {
            console.MarkupLine($"  [grey]▶[/] {Markup.Escape(_label)}: load test, {Markup.Escape(what)}");
            return;
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = _done;
        _live = console.Progress()
            .AutoClear(true)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 30 }, new PercentageColumn())
            .StartAsync(async context =>
            {
                _task = context.AddTask(Describe("load test running", what), maxValue: profile.TotalRequests);
                ready.SetResult();
                await done.Task;
            });
        ready.Task.GetAwaiter().GetResult();
    }

    /// <inheritdoc />
    public void LoadTestProgress(LoadProgress progress)
    {
        if (_task is { } task)
        {
            task.Value = Math.Max(task.Value, progress.Completed);
            if (progress.Failed > 0)
            {
                task.Description = Describe("load test running", $"{progress.Completed}/{progress.Total} answered, [red]{progress.Failed} failed[/]", escape: false);
            }
        }
    }

    /// <inheritdoc />
    public void Evaluating(WorkflowState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var step = state.Step ?? state.RuntimeStatus.ToLowerInvariant();
        var detail = state.Detail ?? "";
        if (_task is { } task)
        {
            task.Value = task.MaxValue;
            task.Description = Describe($"evaluating: {step}", detail);
            return;
        }

        if (!_interactive && step != _lastStep && step is not ("done" or "pending"))
        {
            console.MarkupLine($"    [grey]evaluating: {Markup.Escape(step)}[/] {Markup.Escape(Shorten(detail, 100))}");
        }

        _lastStep = step;
    }

    /// <inheritdoc />
    public void Training(WorkflowState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        // One line per new custom status: the status route is polled often, and the same line would repeat otherwise. An
        // instance that has not set one yet (Pending) has nothing to say; one that ended badly says how.
        var ended = state.RuntimeStatus is not ("Running" or "Pending" or "Completed");
        if (state.Detail is not { } line || (line == _lastTraining && !ended))
        {
            if (ended)
            {
                console.MarkupLine($"  [red]⟳ training ended {Markup.Escape(state.RuntimeStatus)}[/]");
            }

            return;
        }

        _lastTraining = line;
        console.MarkupLine($"  [deepskyblue1]⟳[/] {Markup.Escape(Shorten(line, 140))}{(ended ? $" [red]({Markup.Escape(state.RuntimeStatus)})[/]" : "")}");
    }

    /// <inheritdoc />
    public void Release(WorkflowState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        // As with training: one line per new custom status of the release instance.
        var ended = state.RuntimeStatus is not ("Running" or "Pending" or "Completed");
        if (state.Detail is not { } line || (line == _lastRelease && !ended))
        {
            if (ended)
            {
                console.MarkupLine($"  [red]⇢ release ended {Markup.Escape(state.RuntimeStatus)}[/]");
            }

            return;
        }

        _lastRelease = line;
        var step = state.Step is { } s ? $"[grey]{Markup.Escape(s)}[/] " : "";
        console.MarkupLine($"  [deepskyblue1]⇢[/] {step}{Markup.Escape(Shorten(line, 160))}{(ended ? $" [red]({Markup.Escape(state.RuntimeStatus)})[/]" : "")}");
    }

    /// <inheritdoc />
    public void LoadTestJudged(DemoRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (_live is not null)
        {
            _done!.TrySetResult();
            _live.GetAwaiter().GetResult();
            _live = null;
            _task = null;
        }

        var icon = run.Decision switch { "nogo" => "[red]✖[/]", "go" => "[green]✔[/]", _ => "[grey]○[/]" };
        console.MarkupLine(
            $"  {icon} [bold]{Markup.Escape(run.TestId),-10}[/] {Markup.Escape(run.Label),-14} flag {Markup.Escape(run.FlagVariant),-3} " +
            $"{run.Load.Requests,4} req {Failed(run.Load.Failures),-18} p95 {run.P95Ms,6:0.0} ms [grey](client {run.ClientP95Ms:0})[/]  → {Decision(run.Decision)}");
        console.MarkupLine($"      [grey]{Markup.Escape(Shorten(run.Headline, 160))}[/]");
        if (run.Rollback is not null)
        {
            console.MarkupLine($"      [bold yellow]rollback: {Markup.Escape(run.Rollback)}[/] [grey]{Markup.Escape(run.RollbackSummary ?? "")}[/]");
        }
    }

    /// <summary>A decision as a coloured badge.</summary>
    public static string Decision(string decision) => decision switch
    {
        "go" => "[bold black on green] GO [/]",
        "nogo" => "[bold white on red] NO-GO [/]",
        _ => $"[bold black on grey] {Markup.Escape(decision.ToUpperInvariant())} [/]",
    };

    private static string Failed(int failures) => failures == 0 ? "[green]0 failed[/]" : $"[red]{failures} failed[/]";

    private string Describe(string what, string detail, bool escape = true) =>
        $"[bold]{Markup.Escape(_label)}[/] [deepskyblue1]{Markup.Escape(what)}[/] {(escape ? Markup.Escape(Shorten(detail, 70)) : detail)}";

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
