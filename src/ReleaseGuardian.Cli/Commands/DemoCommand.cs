using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using ReleaseGuardian.Cli.Demo;
using Spectre.Console;

namespace ReleaseGuardian.Cli.Commands;

/// <summary>
/// <c>guardian demo</c>: the workshop story in one command. Starts Azurite (if none runs), the Release Guardian
/// server and a sample checkout service; trains a guardian through the BaselineTraining orchestration (five load tests
/// launched by the demo's built-in generator, its progress printed from the status route); turns the <c>new-checkout</c>
/// flag on; watches the guardian say No-Go and roll it back; confirms the recovery; and saves the dashboard as
/// an HTML report. Everything it started is stopped at the end and on Ctrl+C.
/// Exit code: 0 when the story went as expected, 1 when it did not, 2 when the demo could not run, 130 when cancelled.
/// </summary>
public static class DemoCommand
{
    /// <summary>The story went as expected.</summary>
    public const int Succeeded = 0;

    /// <summary>The story differed from the expected one (each difference is printed).</summary>
    public const int StoryDiffered = 1;

    /// <summary>Something the demo needs could not be started.</summary>
    public const int CouldNotRun = 2;

    /// <summary>Ctrl+C or SIGTERM.</summary>
    public const int Cancelled = 130;

    /// <summary>Builds the command; the demo writes to <paramref name="output"/>, problems to <paramref name="error"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var outputOption = new Option<string?>("--output")
        {
            Description = "Folder for the flag file, the Azurite log and report.html. Default: a new folder under the temp folder.",
        };
        var rateOption = new Option<int>("--rate")
        {
            Description = "Requests per second of each load test.",
            DefaultValueFactory = _ => 40,
        };
        var secondsOption = new Option<double>("--seconds")
        {
            Description = "Duration of each load test in seconds.",
            DefaultValueFactory = _ => 4,
        };
        var metricsOption = new Option<string>("--metrics")
        {
            Description = "Where the guardian's signals come from: loadtest (the load tests' own numbers) or prometheus (a real Prometheus scraping the checkout service; needs the 'prometheus' executable, e.g. apt-get install prometheus).",
            DefaultValueFactory = _ => "loadtest",
        };
        metricsOption.AcceptOnlyFromAmong("loadtest", "prometheus");
        var progressiveOption = new Option<bool>("--progressive")
        {
            Description = "Release the flag progressively (10% → 50% → 100%) through the release API: a buggy build is caught at 10% and restored exactly, then a fixed build completes.",
        };
        var command = new Command("demo", "Watch a bad flag change get caught and rolled back, end to end, on this machine (about a minute).")
        {
            outputOption,
            rateOption,
            secondsOption,
            metricsOption,
            progressiveOption,
        };
        command.SetAction(parseResult =>
        {
            var rate = parseResult.GetValue(rateOption);
            var seconds = parseResult.GetValue(secondsOption);
            if (rate is < 1 or > 1000 || seconds is < 0.5 or > 300)
            {
                error.WriteLine("error: --rate must be 1-1000 and --seconds 0.5-300 (at least 100 requests per test keep the error-rate objective judged)");
                return ExitCodes.BadInput;
            }

            return Execute(
                new DemoHostOptions
                {
                    WorkDirectory = parseResult.GetValue(outputOption), RequestsPerSecond = rate, LoadDuration = TimeSpan.FromSeconds(seconds),
                    Metrics = parseResult.GetValue(metricsOption) ?? "loadtest",
                    Progressive = parseResult.GetValue(progressiveOption),
                },
                output,
                error);
        });
        return command;
    }

    /// <summary>Runs the demo and renders it; returns the exit code.</summary>
    public static int Execute(DemoHostOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        if (!console.Profile.Capabilities.Interactive)
        {
            // A log file or CI console has no width; 80 columns would fold the verdict table beyond reading.
            console.Profile.Width = Math.Max(console.Profile.Width, 150);
        }

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // The first Ctrl+C stops the demo in order; a second one is not held back.
            e.Cancel = !cancel.IsCancellationRequested;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancel.Cancel();
        });
        var started = DateTime.UtcNow;
        try
        {
            console.Write(new Markup(options.Progressive
                ? "[bold]Release Guardian progressive demo[/]: a buggy build's flag is released 10% → 50% → 100%; the guardian catches it at 10%, before most users see it, and the release restores the flag exactly.\n"
                : "[bold]Release Guardian demo[/]: a flag change breaks the checkout service; the guardian catches it with evidence and rolls it back.\n"));
            var session = DemoHost.RunAsync(options, new DemoConsole(console), cancel.Token).GetAwaiter().GetResult();
            Summarize(console, session, DateTime.UtcNow - started);
            if (session.Outcome.Succeeded)
            {
                return Succeeded;
            }

            error.WriteLine("error: the demo did not go as expected:");
            foreach (var problem in session.Outcome.Problems)
            {
                error.WriteLine("  - " + problem);
            }

            return StoryDiffered;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            error.WriteLine("Demo cancelled; everything it started has been stopped.");
            return Cancelled;
        }
        catch (Exception e)
        {
            error.WriteLine($"error: the demo could not run: {e.Message}");
            return CouldNotRun;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static void Summarize(IAnsiConsole console, DemoSession session, TimeSpan took)
    {
        console.WriteLine();
        console.Write(new Rule("[bold]Verdicts[/]").LeftJustified().RuleStyle("grey"));
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("run").AddColumn("purpose").AddColumn("flag")
            .AddColumn(new TableColumn("requests").RightAligned()).AddColumn(new TableColumn("failed").RightAligned())
            .AddColumn(new TableColumn("p95 ms").RightAligned()).AddColumn(new TableColumn("client p95").RightAligned()).AddColumn("decision").AddColumn("why");
        foreach (var run in session.Outcome.Runs)
        {
            table.AddRow(
                new Markup(Markup.Escape(run.RunId)),
                new Markup(Markup.Escape(run.Label)),
                new Markup(run.FlagVariant == "off" ? "off" : $"[yellow]{Markup.Escape(run.FlagVariant)}[/]"),
                new Markup(run.Load.Requests.ToString(CultureInfo.InvariantCulture)),
                new Markup(run.Load.Failures == 0 ? "0" : $"[red]{run.Load.Failures}[/]"),
                new Markup(run.P95Ms.ToString("0.0", CultureInfo.InvariantCulture)),
                new Markup("[grey]" + run.ClientP95Ms.ToString("0", CultureInfo.InvariantCulture) + "[/]"),
                new Markup(DemoConsole.Decision(run.Decision)),
                new Markup(Markup.Escape(run.Rollback is null ? run.Headline : $"{run.Headline} [{run.Rollback}]")));
        }

        console.Write(table);
        foreach (var release in session.Outcome.Releases ?? [])
        {
            console.MarkupLine(
                $"[bold]{Markup.Escape(release.ReleaseId)}[/] ({Markup.Escape(release.Label)}): [bold]{Markup.Escape(release.State ?? release.RuntimeStatus)}[/] · " +
                $"stages {Markup.Escape(string.Join(" ", release.Stages.Select(StageBadge)))} · users on the new checkout {release.UsersOnNewCode}/{release.UsersServed} · " +
                $"flag file {(release.After.SameBytesAs(release.Before) ? "restored byte for byte" : "changed")}");
        }

        if (session.Outcome.RollbackNotification is { } notification)
        {
            console.Write(NotificationPanel(notification));
        }

        console.WriteLine();
        console.MarkupLine($"[bold]HTML report[/] (the dashboard, saved with its data): {Markup.Escape(session.ReportPath)}");
        console.MarkupLine($"[grey]The live dashboard was at {Markup.Escape(session.ServerAddress.ToString())} while the demo ran. Took {took.TotalSeconds:0} s; everything the demo started has been stopped.[/]");
        console.MarkupLine(!session.Outcome.Succeeded
            ? "[bold red]The story did not go as expected[/] (see below)."
            : session.Outcome.Releases is { Count: > 0 }
                ? "[bold green]The story went as expected:[/] trained, No-Go at 10% on error rate, flag file restored byte for byte, release rolled-back; the fixed build went 10 → 50 → 100."
                : "[bold green]The story went as expected:[/] trained, No-Go on error rate, rolled back, recovered.");
    }

    private static string StageBadge(JsonElement stage) =>
        $"{(stage.TryGetProperty("rollout", out var r) ? r.GetInt32() : 0)}%:{Text(stage, "state")}";

    private static Panel NotificationPanel(JsonElement notification)
    {
        var message = notification.GetProperty("message");
        var rows = new List<Spectre.Console.Rendering.IRenderable>
        {
            new Markup($"[bold]{Markup.Escape(Text(message, "headline") ?? Text(message, "title") ?? "rollback")}[/]"),
        };

        if (message.TryGetProperty("objectives", out var objectives) && objectives.ValueKind == JsonValueKind.Array)
        {
            var evidence = new Table().Border(TableBorder.Simple).AddColumn("objective").AddColumn(new TableColumn("value").RightAligned())
                .AddColumn(new TableColumn("warning").RightAligned()).AddColumn(new TableColumn("failure").RightAligned()).AddColumn("status");
            var why = new List<string>();
            foreach (var objective in objectives.EnumerateArray())
            {
                var status = Text(objective, "status") ?? "";
                evidence.AddRow(
                    new Markup(Markup.Escape(Text(objective, "name") ?? "")),
                    new Markup(Number(objective, "value")),
                    new Markup(Number(objective, "warning")),
                    new Markup(Number(objective, "failure")),
                    new Markup(status == "fail" ? "[bold red]fail[/]" : Markup.Escape(status)));
                if (status is "fail" or "error" or "warning")
                {
                    why.Add(Text(objective, "explanation") ?? "");
                }
            }

            rows.Add(evidence);
            rows.AddRange(why.Select(w => new Markup($"[grey]why:[/] {Markup.Escape(w)}")));
        }

        if (message.TryGetProperty("change", out var change) && change.ValueKind == JsonValueKind.Object)
        {
            rows.Add(new Markup(
                $"[grey]change under test:[/] {Markup.Escape(Text(change, "flagKey") ?? "")} {Markup.Escape(State(change, "previous"))} → {Markup.Escape(State(change, "current"))}" +
                $" by {Markup.Escape(Text(change, "actor") ?? "someone")} at {Markup.Escape(Text(change, "changedAt") ?? "")} (change {Markup.Escape(Text(change, "changeId") ?? "")})"));
        }

        if (message.TryGetProperty("action", out var action) && action.ValueKind == JsonValueKind.Object)
        {
            rows.Add(new Markup($"[grey]action:[/] [bold]{Markup.Escape(Text(action, "summary") ?? "")}[/] (restored {Markup.Escape(State(action, "restoredTo"))})"));
        }

        if (notification.TryGetProperty("deliveries", out var deliveries))
        {
            foreach (var delivery in deliveries.EnumerateArray())
            {
                var ok = delivery.TryGetProperty("delivered", out var d) && d.ValueKind == JsonValueKind.True;
                rows.Add(new Markup($"[grey]delivered to[/] {Markup.Escape(Text(delivery, "target") ?? "")}: {(ok ? "[green]yes[/]" : "[red]no[/]")}"));
            }
        }

        return new Panel(new Rows(rows)).Header("[bold red] Rollback notification (GET /api/notifications) [/]").BorderColor(Color.Red).Expand();
    }

    /// <summary>A flag state as people say it: the variant when there is one, else on/off.</summary>
    private static string State(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var state) || state.ValueKind != JsonValueKind.Object)
        {
            return "?";
        }

        if (Text(state, "variant") is { } variant)
        {
            return $"'{variant}'";
        }

        return state.TryGetProperty("enabled", out var enabled) && enabled.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? (enabled.GetBoolean() ? "on" : "off")
            : "?";
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble().ToString("0.####", CultureInfo.InvariantCulture)
            : "";
}
