using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Cli.Client;
using Spectre.Console;

namespace ReleaseGuardian.Cli.Commands;

/// <summary>
/// <c>guardian release start|status|approve|pause|resume|abort</c>: release plans (docs/releases.md) from the command
/// line, with a progress display while a release runs. Exit codes (<see cref="ReleaseExitCodes"/>): 0 completed (or
/// accepted, listed), 1 rolled back (No-Go), 2 not finished (paused, waiting for approval, still running at
/// <c>--timeout</c>), 3 bad input or refused by the server, 4 aborted, refused or failed.
/// </summary>
public static class ReleaseCommand
{
    /// <summary>How often a watch asks the server again.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Builds <c>guardian release</c> and its subcommands.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("release", "Release a guardian's flag stage by stage (10% → 50% → 100%), validated at each stage. See docs/releases.md.");
        command.Subcommands.Add(Start(output, error));
        command.Subcommands.Add(Status(output, error));
        foreach (var action in ReleaseActions.All)
        {
            command.Subcommands.Add(Control(action, output, error));
        }

        return command;
    }

    private static Argument<string> GuardianArgument() => new("guardianId") { Description = "The guardian whose flag is released, e.g. checkout." };

    private static Option<int?> TimeoutOption()
    {
        var option = new Option<int?>("--timeout")
        {
            Description = "With --watch: stop watching after this many seconds; exit 2 when the release has not ended by then (paused, waiting for approval or still running).",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 or > 604_800)
            {
                result.AddError("--timeout: must be between 1 and 604800 seconds");
            }
        });
        return option;
    }

    private static Command Start(TextWriter output, TextWriter error)
    {
        var guardian = GuardianArgument();
        var plan = new Option<string?>("--plan") { Description = "The release plan's JSON file, or - for standard input (docs/releases.md, \"Plan format\")." };
        var stages = new Option<string?>("--stages") { Description = "Rollout percentages, e.g. 10,50,100 (instead of, or overriding, the plan's stages)." };
        var hold = new Option<string?>("--hold") { Description = "Every stage's hold, an ISO 8601 duration such as PT10M." };
        var validate = new Option<string?>("--validate") { Description = "loadtest (a load test per stage) or window (evaluate each stage's hold)." };
        validate.AcceptOnlyFromAmong("loadtest", "window");
        var approval = new Option<string?>("--approval") { Description = "auto, or manual (wait for 'guardian release approve' after each Go)." };
        approval.AcceptOnlyFromAmong("auto", "manual");
        var passes = new Option<int?>("--required-passes") { Description = "Consecutive Go evaluations a stage needs before it advances (1 to 10)." };
        var watch = new Option<bool>("--watch") { Description = "Follow the release to its end with a progress display (the default on a terminal)." };
        var noWatch = new Option<bool>("--no-watch") { Description = "Print the started release and return at once." };
        var timeout = TimeoutOption();
        var outputOption = OutputOption.TableOrJson("the server's answer: the check-status payload, or with --watch the final release");
        var connection = new ConnectionOptions();
        var command = new Command("start", "Start a release of the guardian's flag. Exit code: 0 started (or with --watch completed), 1 rolled back, 2 not finished, 3 bad input / refused, 4 aborted / refused / failed.")
        {
            guardian, plan, stages, hold, validate, approval, passes, watch, noWatch, timeout, outputOption,
        };
        connection.AddTo(command);
        command.SetAction(parseResult =>
        {
            var format = parseResult.GetValue(outputOption) ?? "table";
            var (planJson, problem) = PlanFrom(
                parseResult.GetValue(plan), parseResult.GetValue(stages), parseResult.GetValue(hold), parseResult.GetValue(validate),
                parseResult.GetValue(approval), parseResult.GetValue(passes));
            if (planJson is null)
            {
                error.WriteLine($"error: {problem}");
                return ReleaseExitCodes.BadInput;
            }

            var follow = parseResult.GetValue(watch) || (!parseResult.GetValue(noWatch) && format != "json" && ServerOutput.IsTerminal(output));
            var limit = parseResult.GetValue(timeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
            return connection.Run(parseResult, error, client => StartAsync(
                client, parseResult.GetValue(guardian)!, planJson, follow, limit, format, output, error, CancellationToken.None));
        });
        return command;
    }

    private static Command Status(TextWriter output, TextWriter error)
    {
        var guardian = GuardianArgument();
        var release = new Argument<string?>("releaseId")
        {
            Description = "The release, e.g. release-20261206T101500-3f2a; without it, the guardian's newest releases.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var watch = new Option<bool>("--watch") { Description = "Follow the release to its end with a progress display." };
        var timeout = TimeoutOption();
        var outputOption = OutputOption.TableOrJson("the server's release document, or the releases page");
        var connection = new ConnectionOptions();
        var command = new Command("status", "Show a release with its stages, or list the guardian's newest releases. Exit code: 0 completed or listed, 1 rolled back, 2 not finished, 3 bad input / not found, 4 aborted / refused / failed.")
        {
            guardian, release, watch, timeout, outputOption,
        };
        connection.AddTo(command);
        command.SetAction(parseResult =>
        {
            var limit = parseResult.GetValue(timeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
            var format = parseResult.GetValue(outputOption) ?? "table";
            var releaseId = parseResult.GetValue(release);
            return connection.Run(parseResult, error, client => string.IsNullOrEmpty(releaseId)
                ? ListAsync(client, parseResult.GetValue(guardian)!, format, output, error, CancellationToken.None)
                : FollowAsync(client, parseResult.GetValue(guardian)!, releaseId, parseResult.GetValue(watch), limit, format, output, error, CancellationToken.None));
        });
        return command;
    }

    private static Command Control(string action, TextWriter output, TextWriter error)
    {
        var guardian = GuardianArgument();
        var release = new Argument<string>("releaseId") { Description = "The release, e.g. release-20261206T101500-3f2a." };
        var by = new Option<string?>("--by") { Description = "Who sends it (kept with the release and in its notifications)." };
        var reason = new Option<string?>("--reason") { Description = "Why." };
        var outputOption = OutputOption.TableOrJson("the server's answer");
        var connection = new ConnectionOptions();
        var what = action switch
        {
            ReleaseActions.Approve => "Approve the stage a release waits at (manual approval, or after an approval timeout).",
            ReleaseActions.Pause => "Pause a release; its rollout stays as it is.",
            ReleaseActions.Resume => "Resume a paused release: the current stage is validated again.",
            _ => "Abort a release: the flag's exact pre-release state is restored.",
        };
        var command = new Command(action, what + " Exit code: 0 accepted, 3 bad input / not found / the release has ended.")
        {
            guardian, release, by, reason, outputOption,
        };
        connection.AddTo(command);
        command.SetAction(parseResult => connection.Run(parseResult, error, client => ControlAsync(
            client, parseResult.GetValue(guardian)!, parseResult.GetValue(release)!, action, parseResult.GetValue(by), parseResult.GetValue(reason),
            parseResult.GetValue(outputOption) ?? "table", output, error, CancellationToken.None)));
        return command;
    }

    /// <summary>
    /// The plan to send: the file (or standard input) as given, with any of the options written over its fields, or
    /// a plan built from the options alone. Only what the command line itself cannot read is refused here; the
    /// server validates the plan and names its field.
    /// </summary>
    internal static (string? Json, string? Problem) PlanFrom(string? planPath, string? stages, string? hold, string? validate, string? approval, int? requiredPasses)
    {
        string? text = null;
        if (planPath is not null)
        {
            try
            {
                text = planPath == "-" ? Console.In.ReadToEnd() : File.ReadAllText(planPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return (null, $"--plan: cannot read '{planPath}': {e.Message}");
            }
        }
        else if (stages is null)
        {
            return (null, "--plan: give the plan's file (or - for standard input), or --stages such as 10,50,100");
        }

        var overrides = stages is not null || hold is not null || validate is not null || approval is not null || requiredPasses is not null;
        if (!overrides)
        {
            return (text, null);
        }

        JsonObject plan;
        if (text is null)
        {
            plan = [];
        }
        else
        {
            try
            {
                // The server reads the plan strictly; here it is only opened to write the options in.
                plan = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not a JSON object");
            }
            catch (JsonException e)
            {
                return (null, $"--plan: '{planPath}' cannot take --stages, --hold, --validate, --approval or --required-passes: it is not a JSON object ({e.Message})");
            }
        }

        if (stages is not null)
        {
            var list = new JsonArray();
            foreach (var part in stages.Split(',', StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var rollout))
                {
                    return (null, $"--stages: '{part}' is not a whole percentage (give e.g. 10,50,100)");
                }

                list.Add(new JsonObject { ["rollout"] = rollout });
            }

            plan["stages"] = list;
        }

        if (hold is not null)
        {
            if (plan["stages"] is not JsonArray each)
            {
                return (null, "--hold: there are no stages to hold (give --stages or a plan with stages)");
            }

            foreach (var stage in each.OfType<JsonObject>())
            {
                stage["hold"] = hold;
            }
        }

        if (validate is not null)
        {
            plan["validate"] = validate;
        }

        if (approval is not null)
        {
            plan["approval"] = approval;
        }

        if (requiredPasses is { } k)
        {
            plan["requiredPasses"] = k;
        }

        return (plan.ToJsonString(), null);
    }

    /// <summary>Starts a release and, with <paramref name="watch"/>, follows it to its end.</summary>
    public static async Task<int> StartAsync(
        GuardianClient client, string guardianId, string planJson, bool watch, TimeSpan? timeout, string outputFormat, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (string.IsNullOrWhiteSpace(guardianId))
        {
            error.WriteLine("error: guardianId: must not be empty");
            return ReleaseExitCodes.BadInput;
        }

        var answer = await client.StartReleaseAsync(guardianId, planJson, cancellationToken).ConfigureAwait(false);
        if (!answer.IsSuccess || answer.Json is not { } started)
        {
            WriteProblem(client, error, answer);
            return ReleaseExitCodes.BadInput;
        }

        var instanceId = Json.Text(started, "id") ?? "";
        var releaseId = instanceId.StartsWith(guardianId + ":", StringComparison.Ordinal) ? instanceId[(guardianId.Length + 1)..] : instanceId;
        if (!watch)
        {
            if (outputFormat == "json")
            {
                output.WriteLine(Json.Indented(started));
            }
            else
            {
                output.WriteLine($"Started {releaseId} of guardian {guardianId} (instance {instanceId}).");
                output.WriteLine($"Follow it: guardian release status {guardianId} {releaseId} --watch");
            }

            return ReleaseExitCodes.Completed;
        }

        if (outputFormat != "json")
        {
            output.WriteLine($"Started {releaseId} of guardian {guardianId} (instance {instanceId}).");
        }

        return await FollowAsync(client, guardianId, releaseId, watch: true, timeout, outputFormat, output, error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Shows one release; with <paramref name="watch"/>, follows it until it ends or <paramref name="timeout"/> passes.</summary>
    public static async Task<int> FollowAsync(
        GuardianClient client, string guardianId, string releaseId, bool watch, TimeSpan? timeout, string outputFormat, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The progress goes where the reader looks: stdout for the table, stderr when stdout is a JSON document.
        var progress = new ReleaseProgress(outputFormat == "json" ? error : output);
        ServerAnswer answer;
        ReleaseView view;
        while (true)
        {
            answer = await client.GetReleaseAsync(guardianId, releaseId, cancellationToken).ConfigureAwait(false);
            if (!answer.IsSuccess || answer.Json is not { } json)
            {
                progress.End();
                WriteProblem(client, error, answer);
                return ReleaseExitCodes.BadInput;
            }

            view = ReleaseView.From(json);
            if (!watch)
            {
                break;
            }

            if (view.HasEnded || (timeout is { } limit && clock.Elapsed >= limit))
            {
                progress.End();
                break;
            }

            progress.Show(view);
            var delay = PollInterval;
            if (timeout is { } max && max - clock.Elapsed < delay)
            {
                delay = max - clock.Elapsed > TimeSpan.Zero ? max - clock.Elapsed : TimeSpan.Zero;
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }

        if (outputFormat == "json")
        {
            output.WriteLine(Json.Indented(answer.Json!.Value));
        }
        else
        {
            WriteRelease(output, view);
        }

        var code = ExitCodeOf(view.State);
        if (code == ReleaseExitCodes.NotFinished)
        {
            error.WriteLine(watch && timeout is { } waited
                ? $"{releaseId} is still {view.State} after {waited.TotalSeconds:0} s: {view.Detail}"
                : $"{releaseId} is {view.State}: {view.Detail}");
        }

        return code;
    }

    /// <summary>Lists the guardian's newest releases, one row each with its stages.</summary>
    public static async Task<int> ListAsync(GuardianClient client, string guardianId, string outputFormat, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var answer = await client.ListReleasesAsync(guardianId, 20, cancellationToken).ConfigureAwait(false);
        if (!answer.IsSuccess || answer.Json is not { } page)
        {
            WriteProblem(client, error, answer);
            return ReleaseExitCodes.BadInput;
        }

        if (outputFormat == "json")
        {
            output.WriteLine(Json.Indented(page));
            return ReleaseExitCodes.Completed;
        }

        var releases = page.TryGetProperty("releases", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(ReleaseView.From).ToList()
            : [];
        var console = ServerOutput.CreateConsole(output);
        console.WriteLine($"Guardian {guardianId}: {releases.Count} release{(releases.Count == 1 ? "" : "s")}, newest first");
        if (releases.Count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("Release");
            table.AddColumn("Flag");
            table.AddColumn("State");
            table.AddColumn("Stages");
            table.AddColumn("Started (UTC)");
            table.AddColumn("Detail");
            foreach (var release in releases)
            {
                table.AddRow(
                    new Text(release.ReleaseId),
                    new Text(release.Flag),
                    new Markup(StateMarkup(release.State)),
                    new Text(string.Join(" | ", release.Stages.Select(s => s.Cell))),
                    new Text(release.StartedAt?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-"),
                    new Text(release.Detail));
            }

            console.Write(table);
        }

        return ReleaseExitCodes.Completed;
    }

    /// <summary>Sends approve, pause, resume or abort.</summary>
    public static async Task<int> ControlAsync(
        GuardianClient client, string guardianId, string releaseId, string action, string? by, string? reason, string outputFormat, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var answer = await client.ControlReleaseAsync(guardianId, releaseId, action, by, reason, cancellationToken).ConfigureAwait(false);
        if (!answer.IsSuccess || answer.Json is not { } accepted)
        {
            WriteProblem(client, error, answer);
            return ReleaseExitCodes.BadInput;
        }

        if (outputFormat == "json")
        {
            output.WriteLine(Json.Indented(accepted));
        }
        else
        {
            output.WriteLine($"{action} accepted for {releaseId} of guardian {guardianId}{(by is null ? "" : $" by {by}")}; the release acts on it at its next step.");
            output.WriteLine($"See it: guardian release status {guardianId} {releaseId}");
        }

        return ReleaseExitCodes.Completed;
    }

    /// <summary>The exit code of a release in <paramref name="state"/>.</summary>
    public static int ExitCodeOf(string state) => state switch
    {
        ReleaseStates.Completed => ReleaseExitCodes.Completed,
        ReleaseStates.RolledBack => ReleaseExitCodes.RolledBack,
        ReleaseStates.Aborted or ReleaseStates.Refused or ReleaseStates.Failed => ReleaseExitCodes.Stopped,
        _ => ReleaseExitCodes.NotFinished,
    };

    private static void WriteProblem(GuardianClient client, TextWriter error, ServerAnswer answer) =>
        ServerOutput.WriteProblem(error, answer, answer.StatusCode == 401 && !client.HasApiKey ? $"pass --api-key or set {GuardianConnection.ApiKeyVariable}" : null);

    private static void WriteRelease(TextWriter output, ReleaseView view)
    {
        output.WriteLine($"Release {view.ReleaseId} of guardian {view.GuardianId} on {view.Flag}: {view.State}");
        foreach (var line in view.StageLines())
        {
            output.WriteLine(line);
        }

        output.WriteLine($"  {view.Detail}");
    }

    private static string StateMarkup(string state) => state switch
    {
        ReleaseStates.Completed => "[green]completed[/]",
        ReleaseStates.RolledBack => "[red bold]rolled-back[/]",
        ReleaseStates.Aborted or ReleaseStates.Failed or ReleaseStates.Refused => $"[red]{Markup.Escape(state)}[/]",
        _ => $"[yellow]{Markup.Escape(state)}[/]",
    };

    /// <summary>
    /// The live display of a watch. On a terminal: the release's stage lines and its status, redrawn in place. Elsewhere
    /// (CI logs, redirected output): each new status line printed once, never redrawn.
    /// </summary>
    private sealed class ReleaseProgress(TextWriter writer)
    {
        private readonly bool _terminal = ServerOutput.IsTerminal(writer);
        private string? _lastStatus;
        private int _drawn;

        public void Show(ReleaseView view)
        {
            var status = view.Detail;
            if (!_terminal)
            {
                if (status != _lastStatus)
                {
                    writer.WriteLine(status);
                }

                _lastStatus = status;
                return;
            }

            if (_drawn > 0)
            {
                // Back to the first line drawn last time, then overwrite each line in full.
                writer.Write($"\u001b[{_drawn}F");
            }

            var lines = view.StageLines().Append($"  {status}").ToList();
            foreach (var line in lines)
            {
                writer.Write("\u001b[2K");
                writer.WriteLine(line);
            }

            _drawn = lines.Count;
            _lastStatus = status;
        }

        public void End()
        {
            if (_terminal && _drawn > 0)
            {
                // The final release is printed next; clear the live block so it is not shown twice.
                writer.Write($"\u001b[{_drawn}F\u001b[0J");
                _drawn = 0;
            }
        }
    }
}

/// <summary>The exit codes of <c>guardian release</c>.</summary>
public static class ReleaseExitCodes
{
    /// <summary>Completed (or accepted, listed, started without --watch).</summary>
    public const int Completed = 0;

    /// <summary>Rolled back on a No-Go.</summary>
    public const int RolledBack = 1;

    /// <summary>Not finished: paused, waiting for approval, or still running when the watch stopped.</summary>
    public const int NotFinished = 2;

    /// <summary>Bad input, or the server refused the request (the error names the field).</summary>
    public const int BadInput = ExitCodes.BadInput;

    /// <summary>Aborted, refused (the plan cannot run on the flag) or failed (the flag could not be written).</summary>
    public const int Stopped = 4;
}

/// <summary>A release as the CLI shows it, read leniently from the release JSON (docs/releases.md).</summary>
internal sealed record ReleaseView(
    string GuardianId, string ReleaseId, string Flag, string State, string Detail, string? RuntimeStatus, int RequiredPasses,
    DateTimeOffset? StartedAt, IReadOnlyList<ReleaseStageView> Stages)
{
    /// <summary>True in a final state, or when the instance itself has ended.</summary>
    public bool HasEnded => ReleaseStates.IsFinal(State) || RuntimeStatus is "Completed" or "Failed" or "Terminated";

    public static ReleaseView From(JsonElement json)
    {
        var flag = json.TryGetProperty("flag", out var f) && f.ValueKind == JsonValueKind.Object
            ? $"{Json.Text(f, "provider")} flag '{Json.Text(f, "key")}'"
            : "its flag";
        var required = json.TryGetProperty("plan", out var plan) && Json.Number(plan, "requiredPasses") is { } k ? (int)k : 1;
        string? custom = null;
        if (json.TryGetProperty("customStatus", out var status) && status.ValueKind == JsonValueKind.Object)
        {
            custom = Json.Text(status, "detail");
        }

        var stages = new List<ReleaseStageView>();
        if (json.TryGetProperty("stages", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var stage in list.EnumerateArray())
            {
                var evaluations = stage.TryGetProperty("evaluations", out var e) && e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().ToList() : [];
                var last = evaluations.Count == 0 ? (JsonElement?)null : evaluations[^1];
                var rollout = (int)(Json.Number(stage, "rollout") ?? 0);
                var state = Json.Text(stage, "state") ?? "pending";
                var decision = last is { } l ? Json.Text(l, "decision") : null;
                stages.Add(new ReleaseStageView(
                    (int)(Json.Number(stage, "stage") ?? stages.Count + 1), rollout, state, (int)(Json.Number(stage, "passes") ?? 0),
                    Plain(ReleaseStageText.Cell(rollout, state, decision)), last is { } r && Json.Text(r, "runId") is { } run ? Plain(run) : null));
            }
        }

        var state1 = Json.Text(json, "state") ?? "unknown";
        // The live custom status while it runs; the recorded detail (how it ended) once it has.
        var detail = ReleaseStates.IsFinal(state1) ? Json.Text(json, "detail") : custom ?? Json.Text(json, "detail");
        return new ReleaseView(
            Plain(Json.Text(json, "guardianId") ?? "?"), Plain(Json.Text(json, "releaseId") ?? "?"), Plain(flag), Plain(state1), Plain(detail ?? state1),
            Json.Text(json, "runtimeStatus"), required, Json.Time(json, "startedAt"), stages);
    }

    /// <summary>
    /// The text with control characters shown as '?': flag keys, variants and headlines come from guardian definitions
    /// and flag services, and an escape sequence in one must not drive the reader's terminal.
    /// </summary>
    public static string Plain(string text) =>
        string.Create(text.Length, text, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });

    /// <summary><c>  stage 1/3  10% ✓ go            passes 1/1  run release-...-s1v1</c>, one per stage.</summary>
    public IEnumerable<string> StageLines()
    {
        var width = Stages.Count == 0 ? 0 : Stages.Max(s => s.Cell.Length);
        return Stages.Select(s =>
            $"  stage {s.Stage}/{Stages.Count}  {s.Cell.PadRight(width)}  passes {s.Passes}/{RequiredPasses}{(s.RunId is null ? "" : $"  run {s.RunId}")}");
    }
}

/// <summary>One stage of <see cref="ReleaseView"/>.</summary>
internal sealed record ReleaseStageView(int Stage, int Rollout, string State, int Passes, string Cell, string? RunId);
