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

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex Ansi();

    [GeneratedRegex(@"training (?<k>[0-9])/5")]
    private static partial Regex TrainingCount();

    // The run's verdict line: its test id, then its label (training k/5).
    [GeneratedRegex(@"training-[0-9]{8}T[0-9]{6}-[0-9a-f]{4}-r[1-5]a[0-9]+\s+training [1-5]/5\s+flag off")]
    private static partial Regex TrainingVerdict();
}
