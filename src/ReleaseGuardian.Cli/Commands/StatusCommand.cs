using System.CommandLine;
using System.Diagnostics;
using ReleaseGuardian.Cli.Client;
using ReleaseGuardian.Core.Judgement;
using Spectre.Console;

namespace ReleaseGuardian.Cli.Commands;

/// <summary>
/// <c>guardian status &lt;instanceId&gt; [--wait] [--timeout s] [--output table|json]</c>: shows a release workflow
/// instance through the Durable-compatible status route, optionally following it until it finishes. Exit code:
/// 0 go, 1 nogo, 2 inconclusive / failed / still running, 3 bad input, unknown instance, unauthorized or unreachable.
/// </summary>
public static class StatusCommand
{
    /// <summary>How often <c>--wait</c> asks the server again.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Builds the command; results go to <paramref name="output"/>, progress and problems to <paramref name="error"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var instanceArgument = new Argument<string>("instanceId")
        {
            Description = "The workflow instance id, e.g. checkout:lt-run-6 (printed by 'guardian send').",
        };
        var waitOption = new Option<bool>("--wait")
        {
            Description = "Poll until the instance finishes or --timeout passes.",
        };
        var timeoutOption = new Option<int>("--timeout")
        {
            Description = "With --wait: give up after this many seconds (exit 2).",
            DefaultValueFactory = _ => 120,
        };
        timeoutOption.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 86_400)
            {
                result.AddError("--timeout: must be between 1 and 86400 seconds");
            }
        });
        var outputOption = OutputOption.TableOrJson("the server's status document");
        var connection = new ConnectionOptions();

        var command = new Command("status", "Show a release workflow instance. Exit code: 0 go, 1 nogo, 2 inconclusive or not finished, 3 bad input / not found / unauthorized.")
        {
            instanceArgument,
            waitOption,
            timeoutOption,
            outputOption,
        };
        connection.AddTo(command);
        command.SetAction(parseResult => connection.Run(parseResult, error, client => ExecuteAsync(
            client,
            parseResult.GetValue(instanceArgument)!,
            parseResult.GetValue(waitOption),
            TimeSpan.FromSeconds(parseResult.GetValue(timeoutOption)),
            parseResult.GetValue(outputOption) ?? "table",
            output,
            error,
            CancellationToken.None)));
        return command;
    }

    /// <summary>Fetches (and with <paramref name="wait"/> follows) the instance, prints it and returns the exit code.</summary>
    public static async Task<int> ExecuteAsync(
        GuardianClient client, string instanceId, bool wait, TimeSpan timeout, string outputFormat, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (string.IsNullOrWhiteSpace(instanceId))
        {
            error.WriteLine("error: instanceId: must not be empty");
            return ExitCodes.BadInput;
        }

        var clock = Stopwatch.StartNew();
        var progress = new ProgressLine(error, instanceId);
        ServerAnswer answer;
        while (true)
        {
            answer = await client.GetStatusAsync(instanceId, cancellationToken).ConfigureAwait(false);
            var running = answer.StatusCode == 202;
            if (!wait || !running || clock.Elapsed >= timeout)
            {
                break;
            }

            if (answer.Json is { } json)
            {
                progress.Show(OrchestrationStatus.From(json), clock.Elapsed);
            }

            var remaining = timeout - clock.Elapsed;
            await Task.Delay(remaining < PollInterval ? remaining : PollInterval, cancellationToken).ConfigureAwait(false);
        }

        progress.End();
        if (!answer.IsSuccess || answer.Json is not { } document)
        {
            ServerOutput.WriteProblem(error, answer, answer.StatusCode == 401 && !client.HasApiKey
                ? $"pass --api-key or set {GuardianConnection.ApiKeyVariable}"
                : null);
            return ExitCodes.BadInput;
        }

        var status = OrchestrationStatus.From(document);
        if (outputFormat == "json")
        {
            output.WriteLine(Json.Indented(document));
        }
        else
        {
            Write(output, instanceId, status);
        }

        if (answer.StatusCode == 202)
        {
            error.WriteLine(wait
                ? $"{instanceId} is still {status.RuntimeStatus ?? "running"} after {timeout.TotalSeconds:0} s"
                : $"{instanceId} is {status.RuntimeStatus ?? "running"}; add --wait to follow it to the verdict");
            return ExitCodes.Inconclusive;
        }

        return ExitCodeOf(status);
    }

    /// <summary>0 go, 1 nogo; anything else that is not a completed Go/No-Go verdict is 2.</summary>
    public static int ExitCodeOf(OrchestrationStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (status.RuntimeStatus != OrchestrationStatus.Completed)
        {
            return ExitCodes.Inconclusive;
        }

        return status.Outcome?.Decision switch
        {
            "go" => ExitCodes.Go,
            "nogo" => ExitCodes.NoGo,
            _ => ExitCodes.Inconclusive,
        };
    }

    private static void Write(TextWriter output, string instanceId, OrchestrationStatus status)
    {
        var console = ServerOutput.CreateConsole(output);
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                grid.AddRow(new Text(name), new Text(value));
            }
        }

        Row("Instance", status.InstanceId ?? instanceId);
        Row("Workflow", status.Name);
        grid.AddRow(new Text("Runtime status"), new Markup(RuntimeStatusMarkup(status.RuntimeStatus)));
        Row("Step", status.StepDetail is null ? status.Step : $"{status.Step}: {status.StepDetail}");
        Row("Created", status.CreatedTime);
        Row("Updated", status.LastUpdatedTime);
        if (status.Outcome is { } outcome)
        {
            var score = outcome.Score is { } s ? Numbers.Text(s) : "n/a";
            grid.AddRow(new Text("Decision"), new Markup($"{DecisionMarkup(outcome.Decision)} (status {Markup.Escape(outcome.Status ?? "?")}, score {score})"));
            Row("Headline", outcome.Headline);
            Row("Run", outcome.RunId is null ? null : $"{outcome.GuardianId}/{outcome.RunId}");
            Row("Rollback", outcome.RollbackResult is null ? "none needed" : $"{outcome.RollbackResult}: {outcome.RollbackSummary}");
            Row("Manual steps", outcome.ManualSteps);
        }

        Row("Error", status.Error);
        console.Write(grid);
    }

    private static string RuntimeStatusMarkup(string? runtimeStatus) => runtimeStatus switch
    {
        OrchestrationStatus.Completed => "[green]Completed[/]",
        OrchestrationStatus.Failed => "[red bold]Failed[/]",
        null => "[grey]unknown[/]",
        _ => $"[yellow]{Markup.Escape(runtimeStatus)}[/]",
    };

    private static string DecisionMarkup(string? decision) => decision switch
    {
        "go" => "[green bold]GO[/]",
        "nogo" => "[red bold]NO-GO[/]",
        "inconclusive" => "[yellow bold]INCONCLUSIVE[/]",
        null => "[grey]none[/]",
        _ => Markup.Escape(decision),
    };

    /// <summary>
    /// The visible progress of <c>--wait</c>, on stderr so stdout stays a clean document for <c>--output json</c>:
    /// one line rewritten in place on a terminal, a new line per change of step otherwise (CI logs).
    /// </summary>
    private sealed class ProgressLine(TextWriter error, string instanceId)
    {
        private readonly bool _terminal = ServerOutput.IsTerminal(error);
        private string? _last;
        private int _width;

        public void Show(OrchestrationStatus status, TimeSpan elapsed)
        {
            var step = status.Step is null ? "" : status.StepDetail is null ? $", {status.Step}" : $", {status.Step}: {status.StepDetail}";
            var state = $"waiting for {instanceId}: {status.RuntimeStatus ?? "Running"}{step}";
            if (_terminal)
            {
                var line = $"{state} ({elapsed.TotalSeconds:0} s)";
                error.Write("\r" + line.PadRight(_width));
                _width = line.Length;
            }
            else if (state != _last)
            {
                error.WriteLine($"{state} ({elapsed.TotalSeconds:0} s)");
            }

            _last = state;
        }

        public void End()
        {
            if (_terminal && _width > 0)
            {
                error.WriteLine();
            }
        }
    }
}
