using System.Text.Json;
using ReleaseGuardian.Cli;

namespace ReleaseGuardian.Cli.Tests.Commands;

/// <summary>Runs <c>guardian judge</c> in-process against the files in examples/.</summary>
public sealed class JudgeCommandTests
{
    private static readonly string Examples = Path.Combine(RepositoryRoot(), "examples");

    private static (int ExitCode, string Out, string Err) Guardian(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = GuardianCli.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private static string Example(string file) => Path.Combine(Examples, file);

    private static (int ExitCode, string Out, string Err) Judge(string run, string? history = "history.json", string guardian = "guardian.json", string output = "table")
    {
        var args = new List<string> { "judge", "--guardian", Example(guardian), "--run", Example(run), "--output", output };
        if (history is not null)
        {
            args.AddRange(["--history", Example(history)]);
        }

        return Guardian([.. args]);
    }

    private static JsonElement Objective(JsonElement verdict, string name) =>
        verdict.GetProperty("objectives").EnumerateArray().Single(o => o.GetProperty("name").GetString() == name);

    private static JsonElement JsonVerdict(string run, string? history = "history.json")
    {
        var (exitCode, output, error) = Judge(run, history, output: "json");
        Assert.True(exitCode is 0 or 1 or 2, error);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    [Fact]
    public void Traffic_of_1158_passes_and_600_fails_in_table_output()
    {
        var pass = Judge("run-6-go.json");
        var fail = Judge("run-6-low-traffic.json");

        Assert.Equal(0, pass.ExitCode);
        Assert.Contains("traffic 1158 is within the warning threshold 1083.17", pass.Out, StringComparison.Ordinal);
        Assert.Contains("Decision: GO (status pass, score 100)", pass.Out, StringComparison.Ordinal);
        Assert.Equal(1, fail.ExitCode);
        Assert.Contains("traffic 600 is below the failure threshold 995.35", fail.Out, StringComparison.Ordinal);
        Assert.Contains("Decision: NO-GO (status fail, score 66.7)", fail.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Traffic_of_1158_passes_and_600_fails_in_json_output()
    {
        Assert.Equal("pass", Objective(JsonVerdict("run-6-go.json"), "traffic").GetProperty("status").GetString());
        var low = Objective(JsonVerdict("run-6-low-traffic.json"), "traffic");
        Assert.Equal("fail", low.GetProperty("status").GetString());
        Assert.Equal(995.35, low.GetProperty("failure").GetDouble(), 9);
        Assert.Equal(1171, low.GetProperty("baseline").GetProperty("median").GetDouble());
    }

    [Fact]
    public void An_error_rate_of_012_after_five_clean_runs_is_a_no_go_in_both_outputs()
    {
        var table = Judge("run-6-nogo.json");
        var json = JsonVerdict("run-6-nogo.json");

        Assert.Equal(1, table.ExitCode);
        Assert.Contains("error rate 0.12 is above the failure threshold 0.015", table.Out, StringComparison.Ordinal);
        Assert.Contains("No-Go: error rate (key) failed; score 66.7.", table.Out, StringComparison.Ordinal);
        Assert.Equal("nogo", json.GetProperty("decision").GetString());
        Assert.Equal(66.7, json.GetProperty("score").GetDouble());
        var errors = Objective(json, "error rate");
        Assert.Equal(("fail", 0.12, 0.015), (errors.GetProperty("status").GetString(), errors.GetProperty("value").GetDouble(), Math.Round(errors.GetProperty("failure").GetDouble(), 9)));
    }

    [Fact]
    public void An_error_rate_of_0001_after_five_clean_runs_passes_in_both_outputs()
    {
        var table = Judge("run-6-go.json");
        var errors = Objective(JsonVerdict("run-6-go.json"), "error rate");

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("error rate 0.001 is within the warning threshold 0.0075", table.Out, StringComparison.Ordinal);
        Assert.Equal("pass", errors.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("run-6-go.json", 0, "pass", "GO (status pass, score 100)")]
    [InlineData("run-6-p95-warning.json", 0, "warning", "GO (status warning, score 83.3)")]
    [InlineData("run-6-p95-fail.json", 1, "fail", "NO-GO (status fail, score 66.7)")]
    public void Static_p95_latency_550_passes_700_warns_and_900_fails(string run, int exitCode, string status, string decision)
    {
        var table = Judge(run);
        var latency = Objective(JsonVerdict(run), "p95 latency");

        Assert.Equal(exitCode, table.ExitCode);
        Assert.Contains(decision, table.Out, StringComparison.Ordinal);
        Assert.Equal(status, latency.GetProperty("status").GetString());
        Assert.Equal((600.0, 800.0), (latency.GetProperty("warning").GetDouble(), latency.GetProperty("failure").GetDouble()));
    }

    [Fact]
    public void The_fourth_run_of_a_fresh_guardian_trains_and_rests_on_the_static_objective()
    {
        var table = Judge("run-4-training.json", "history-3-runs.json");
        var json = JsonVerdict("run-4-training.json", "history-3-runs.json");

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("training 3/5", table.Out, StringComparison.Ordinal);
        Assert.Contains("Decision: GO (status pass, score 100)", table.Out, StringComparison.Ordinal);
        foreach (var name in new[] { "error rate", "traffic" })
        {
            var objective = Objective(json, name);
            Assert.Equal("info", objective.GetProperty("status").GetString());
            Assert.StartsWith("training 3/5", objective.GetProperty("explanation").GetString(), StringComparison.Ordinal);
            Assert.Equal(3, objective.GetProperty("training").GetProperty("count").GetInt32());
        }

        Assert.Equal("go", json.GetProperty("decision").GetString());
        Assert.Contains("error rate (training 3/5)", json.GetProperty("explanation").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_history_the_adaptive_objectives_are_training_0_of_5()
    {
        var json = JsonVerdict("run-6-go.json", history: null);

        Assert.StartsWith("training 0/5", Objective(json, "traffic").GetProperty("explanation").GetString(), StringComparison.Ordinal);
        Assert.Equal("go", json.GetProperty("decision").GetString());
    }

    [Fact]
    public void A_bad_definition_lists_every_error_by_path_and_exits_3()
    {
        var (exitCode, output, error) = Judge("run-6-go.json", guardian: "guardian-invalid.json");

        Assert.Equal(3, exitCode);
        Assert.Empty(output);
        Assert.Contains("guardian-invalid.json is not a valid guardian definition (14 problems):", error, StringComparison.Ordinal);
        foreach (var line in new[]
        {
            "id: must match ^[a-z0-9][a-z0-9-]{0,62}$",
            "metrics.url: is required for source prometheus",
            "training.minRuns: must be >= 1",
            "objectives[0].thresholds.failure: must be > warning for lowerIsBetter",
            "objectives[1].direction: must be lowerIsBetter or higherIsBetter, not 'downwards'",
            "objectives[1].thresholds.mode: unknown threshold mode 'learned'",
            "objectives[1].weight: must be > 0",
            "objectives[2].name: duplicate objective name 'p95 latency'",
            "objectives[2].thresholds.failure: must be a number, not a string",
            "objectives[2].statistic: wilson applies only to errors.rate",
            "policy.rollbackOn[1]: must be nogo or inconclusive",
            "policy.notify[0].type: must be webhook, slack, teams or cloudevents",
            "policy.notify[0].url: must be an absolute http or https URL",
        })
        {
            Assert.Contains("  " + line, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_missing_file_exits_3_and_names_the_option()
    {
        var (exitCode, _, error) = Guardian("judge", "--guardian", Example("guardian.json"), "--run", Example("no-such-run.json"));

        Assert.Equal(3, exitCode);
        Assert.Contains("--run: file not found:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_run_json_exits_3_with_line_and_position()
    {
        var file = Path.Combine(Path.GetTempPath(), $"guardian-cli-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, "{ \"id\": \"run-6\",\n  \"signals\": { \"latency.p95\": } }");
        try
        {
            var (exitCode, _, error) = Guardian("judge", "--guardian", Example("guardian.json"), "--run", file);

            Assert.Equal(3, exitCode);
            Assert.Contains("is not a valid run (1 problem):", error, StringComparison.Ordinal);
            Assert.Contains("$: malformed JSON at line 2", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_history_with_a_bad_entry_exits_3_with_its_index()
    {
        var file = Path.Combine(Path.GetTempPath(), $"guardian-cli-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """[ { "id": "run-1", "signals": { "errors.rate": 0 }, "status": "splendid" } ]""");
        try
        {
            var (exitCode, _, error) = Guardian("judge", "--guardian", Example("guardian.json"), "--run", Example("run-6-go.json"), "--history", file);

            Assert.Equal(3, exitCode);
            Assert.Contains("$[0].status: must be info, pass, warning, fail or error, not 'splendid'", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("judge", "--guardian", "g.json")]
    [InlineData("judge", "--guardian", "g.json", "--run", "r.json", "--output", "xml")]
    [InlineData("evaluate")]
    public void Bad_arguments_exit_3(params string[] args)
    {
        var (exitCode, _, error) = Guardian(args);

        Assert.Equal(3, exitCode);
        Assert.StartsWith("error:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_inconclusive_verdict_exits_2()
    {
        var file = Path.Combine(Path.GetTempPath(), $"guardian-cli-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "id": "run-6", "signals": { "errors.rate": 0, "traffic.requests": 1158 } }""");
        try
        {
            var (exitCode, output, _) = Guardian("judge", "--guardian", Example("guardian.json"), "--history", Example("history.json"), "--run", file);

            Assert.Equal(2, exitCode);
            Assert.Contains("signal latency.p95 missing from run run-6", output, StringComparison.Ordinal);
            Assert.Contains("INCONCLUSIVE", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Help_exits_0_and_lists_the_options()
    {
        var (exitCode, output, _) = Guardian("judge", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("--guardian", output, StringComparison.Ordinal);
        Assert.Contains("--history", output, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Functions.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (Functions.sln) was not found.");
    }
}
