using System.Text.RegularExpressions;
using ReleaseGuardian.Cli.Commands;
using ReleaseGuardian.Cli.Demo;
using ReleaseGuardian.Testing;
using Xunit.Abstractions;

namespace ReleaseGuardian.Cli.Tests.Commands;

/// <summary>
/// <c>guardian demo</c> as a person runs it (real server, checkout service and Azurite, output to a non-interactive
/// console): it trains through the BaselineTraining orchestration and prints that orchestration's progress.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class DemoCommandTests(AzuriteFixture azurite, ITestOutputHelper log)
{
    [Fact]
    public void The_demo_prints_the_training_orchestrations_progress_up_to_5_of_5_and_what_it_learned()
    {
        var work = Directory.CreateTempSubdirectory("rg-demo-cli-");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = DemoCommand.Execute(new DemoHostOptions
        {
            StorageConnectionString = azurite.ConnectionString,
            WorkDirectory = work.FullName,
            RequestsPerSecond = 40,
            LoadDuration = TimeSpan.FromSeconds(3),
        }, output, error);

        // Spectre.Console colours its output (ANSI) even into a writer; the text is what is asserted on.
        var printed = Ansi().Replace(output.ToString(), "");
        log.WriteLine(printed);
        Assert.True(exitCode == DemoCommand.Succeeded, $"exit {exitCode}: {error}\n{printed}");
        Assert.Matches(@"POST /api/guardians/checkout/training started checkout:training-[0-9]{8}T[0-9]{6}-[0-9a-f]{4}", printed);

        // One line per new custom status of the training instance, in order: k never goes back, and it ends at 5/5.
        var progress = printed.Split('\n').Where(l => l.Contains('⟳', StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
        Assert.All(progress, l => Assert.Matches(TrainingCount(), l));
        var counts = progress.Select(l => int.Parse(TrainingCount().Match(l).Groups["k"].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(counts.Order(), counts);
        Assert.EndsWith("training 5/5", progress[^1], StringComparison.Ordinal);
        // Each run is awaited for seconds (its load test runs meanwhile), so the polling sees waiting lines, the last run's too.
        Assert.Contains(progress, l => l.Contains(": waiting for training-", StringComparison.Ordinal));
        Assert.Contains(progress, l => l.Contains("training 4/5: ", StringComparison.Ordinal));

        // Each counted run is shown with its verdict, under the test id the orchestration launched; then what was learned.
        Assert.Equal(5, TrainingVerdict().Matches(printed).Count);
        Assert.Contains("learned error rate (errors.rate): median ", printed, StringComparison.Ordinal);
        Assert.Contains("learned traffic (traffic.requests): median ", printed, StringComparison.Ordinal);
        Assert.Contains("from 5 runs", printed, StringComparison.Ordinal);
        work.Delete(recursive: true);
    }

    [Fact]
    public void The_progressive_demo_prints_the_releases_stages_the_no_go_at_10_percent_the_exact_restore_and_who_saw_the_bug()
    {
        var work = Directory.CreateTempSubdirectory("rg-demo-cli-progressive-");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = DemoCommand.Execute(new DemoHostOptions
        {
            StorageConnectionString = azurite.ConnectionString,
            WorkDirectory = work.FullName,
            RequestsPerSecond = 40,
            LoadDuration = TimeSpan.FromSeconds(3),
            Progressive = true,
        }, output, error);

        var printed = Ansi().Replace(output.ToString(), "");
        log.WriteLine(printed);
        Assert.True(exitCode == DemoCommand.Succeeded, $"exit {exitCode}: {error}\n{printed}");
        // Long notes wrap at the console's width: the sentences are asserted on the text with its wraps undone.
        var flat = Wrapped().Replace(printed, " ");
        Assert.Matches(@"POST /api/guardians/checkout/releases \{""stages"":\[\{""rollout"":10\},\{""rollout"":50\},\{""rollout"":100\}\],""validate"":""loadtest"",""approval"":""auto""\} started checkout:release-", flat);

        // The first release's custom status, one line per change: it validates 10%, restores, and ends rolled-back there.
        var status = Section(printed, "4. ", "5. ").Split('\n').Where(l => l.Contains('⇢', StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
        Assert.Contains(status, l => l.Contains("stage 1/3: 10%, validating: waiting for release-", StringComparison.Ordinal));
        Assert.Contains(status, l => l.StartsWith("⇢ rolled-back stage 1/3: 10%, No-Go: ", StringComparison.Ordinal));
        Assert.DoesNotContain(status, l => l.Contains("stage 2/3", StringComparison.Ordinal));
        var buggy = Section(flat, "4. ", "5. ");
        Assert.Matches(@"s1v1\s+stage 1/3\s+flag 10%\s+[0-9]+ req\s+[0-9]+ failed.*NO-GO", buggy);
        Assert.Contains("stage 2/3 (50%): pending, never set", buggy, StringComparison.Ordinal);
        Assert.Contains("ended rolled-back: stage 1/3: 10%, No-Go: ", buggy, StringComparison.Ordinal);
        Assert.Contains("flags.json is back byte for byte", buggy, StringComparison.Ordinal);
        Assert.Contains("served new-checkout as 'off' → fractional 10% 'on' / 90% 'off' → 'off'", buggy, StringComparison.Ordinal);
        Assert.Matches(@"users who saw the new checkout: [0-9]+ of the [0-9]+ who checked out during the release", buggy);

        // The fixed build goes through every stage and completes.
        var fixedBuild = Section(flat, "5. ", "Verdicts");
        Assert.Contains("stage 3/3: 100%, validating", fixedBuild, StringComparison.Ordinal);
        Assert.Contains("ended completed: completed: all 3 stage(s) passed", fixedBuild, StringComparison.Ordinal);
        Assert.Contains("rolled-back · stages 10%:failed 50%:pending 100%:pending", flat, StringComparison.Ordinal);
        Assert.Contains("completed · stages 10%:passed 50%:passed 100%:passed", flat, StringComparison.Ordinal);
        work.Delete(recursive: true);
    }

    private static string Section(string text, string from, string to)
    {
        var start = text.IndexOf(from, StringComparison.Ordinal);
        Assert.True(start >= 0, $"no '{from}' in the output");
        var end = text.IndexOf(to, start + from.Length, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }

    [GeneratedRegex(@"[ \t]*\r?\n[ \t]*")]
    private static partial Regex Wrapped();

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex Ansi();

    [GeneratedRegex(@"training (?<k>[0-9])/5")]
    private static partial Regex TrainingCount();

    // The run's verdict line: its test id, then its label (training k/5).
    [GeneratedRegex(@"training-[0-9]{8}T[0-9]{6}-[0-9a-f]{4}-r[1-5]a[0-9]+\s+training [1-5]/5\s+flag off")]
    private static partial Regex TrainingVerdict();
}
