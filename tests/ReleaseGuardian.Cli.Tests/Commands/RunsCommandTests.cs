using System.Text.Json;
using ReleaseGuardian.Cli.Commands;
using ReleaseGuardian.Cli.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Cli.Tests.Commands;

/// <summary><c>guardian runs</c> against a real standalone server on loopback with Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RunsCommandTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Runs_lists_judged_runs_newest_first_with_purpose_window_decision_and_score()
    {
        using var server = await CliServer.StartAsync(azurite);
        Assert.Equal(0, server.Send(server.LoadTestFinishedEvent("run-1", 512.3), "--secret", CliServer.EventsSecret).ExitCode);
        await StatusCommandTests.WaitAsync(server, "checkout:lt-run-1");
        Assert.Equal(0, server.Send(server.LoadTestFinishedEvent("run-2", 950, minutesAfterBase: 5), "--secret", CliServer.EventsSecret).ExitCode);
        await StatusCommandTests.WaitAsync(server, "checkout:lt-run-2");

        var table = server.Manage("runs", "checkout");
        var json = server.Manage("runs", "checkout", "--output", "json");

        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("Guardian checkout: 2 runs, newest first", table.Out, StringComparison.Ordinal);
        var newer = Row(table.Out, "lt-run-2");
        var older = Row(table.Out, "lt-run-1");
        Assert.True(newer.Line < older.Line, table.Out);
        Assert.Equal(["lt-run-2", "validation", "2026-11-24 10:05:00 to 10:06:00", "fail", "nogo", "0", "no"], newer.Cells);
        Assert.Equal(["lt-run-1", "validation", "2026-11-24 10:00:00 to 10:01:00", "pass", "go", "100", "no"], older.Cells);

        Assert.True(json.ExitCode == 0, json.ToString());
        using var document = JsonDocument.Parse(json.Out);
        var runs = document.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["lt-run-2", "lt-run-1"], runs.Select(r => r.GetProperty("runId").GetString()));
        Assert.Equal("nogo", runs[0].GetProperty("decision").GetString());
    }

    [Fact]
    public async Task A_page_size_of_1_shows_one_run_and_how_to_continue()
    {
        using var server = await CliServer.StartAsync(azurite);
        foreach (var (id, minutes) in new[] { ("run-1", 0), ("run-2", 5) })
        {
            Assert.Equal(0, server.Send(server.LoadTestFinishedEvent(id, 512.3, minutes), "--secret", CliServer.EventsSecret).ExitCode);
            await StatusCommandTests.WaitAsync(server, "checkout:lt-" + id);
        }

        var first = server.Manage("runs", "checkout", "--page-size", "1");
        var token = first.Out.Split('\n').Single(l => l.StartsWith("More runs:", StringComparison.Ordinal))
            .Split("--continuation ")[1].Split(' ')[0].Trim();
        var second = server.Manage("runs", "checkout", "--page-size", "1", "--continuation", token);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("lt-run-2", first.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("lt-run-1", first.Out, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("lt-run-1", second.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_guardian_exits_3_with_the_not_found_detail()
    {
        using var server = await CliServer.StartAsync(azurite);

        var result = server.Manage("runs", "nobody");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("404 Not found: id: no guardian 'nobody'", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("201")]
    public void A_page_size_outside_1_to_200_exits_3_before_anything_is_sent(string pageSize)
    {
        var result = GuardianCommandLine.Run("runs", "checkout", "--page-size", pageSize, "--server", "http://127.0.0.1:9/");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("--page-size: must be between 1 and 200", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_window_repeats_the_date_only_when_it_crosses_midnight()
    {
        var start = new DateTimeOffset(2026, 11, 24, 23, 59, 0, TimeSpan.Zero);

        Assert.Equal("2026-11-24 23:59:00 to 23:59:30", RunsCommand.Window(start, start.AddSeconds(30)));
        Assert.Equal("2026-11-24 23:59:00 to 2026-11-25 00:01:00", RunsCommand.Window(start, start.AddMinutes(2)));
        Assert.Equal("2026-11-24 22:59:00 to 23:00:00", RunsCommand.Window(start.ToOffset(TimeSpan.FromHours(2)).AddHours(-1), start.AddHours(-1).AddMinutes(1)));
        Assert.Equal("-", RunsCommand.Window(null, start));
    }

    /// <summary>The cells of the table row whose first cell is <paramref name="runId"/>.</summary>
    private static (int Line, string[] Cells) Row(string output, string runId)
    {
        var lines = output.Split('\n');
        var index = Array.FindIndex(lines, l => l.Contains($" {runId} ", StringComparison.Ordinal));
        Assert.True(index >= 0, $"no row for {runId} in:\n{output}");
        return (index, lines[index].Split(['│', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
