using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;
using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Benchmarks.Judgement;

/// <summary>Judging one run with 10 objectives (5 static, 5 adaptive) against a 30-run history.</summary>
[MemoryDiagnoser]
[MedianColumn]
public class JudgeBenchmarks
{
    private GuardianDefinition _guardian = null!;
    private List<HistoricalRun> _history = null!;
    private Run _run = null!;

    [GlobalSetup]
    public void Setup()
    {
        var objectives = new StringBuilder();
        for (var i = 0; i < 10; i++)
        {
            var thresholds = i % 2 == 0
                ? """{"mode":"static","warning":600,"failure":800}"""
                : """{"mode":"adaptive"}""";
            objectives.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                $$"""{"name":"objective {{i}}","signal":"signal.{{i}}","direction":"{{(i % 2 == 1 && i % 3 == 0 ? "higherIsBetter" : "lowerIsBetter")}}","thresholds":{{thresholds}}{{(i == 1 ? ",\"key\":true" : "")}}}""");
        }

        var json = $$"""
            {"id":"checkout","service":"checkout","metrics":{"source":"loadtest"},
             "training":{"minRuns":5,"maxRuns":30},
             "objectives":[{{objectives}}],
             "policy":{"rollbackOn":["nogo"]} }
            """;
        var parsed = GuardianDefinitionJson.Parse(json);
        _guardian = parsed.Definition ?? throw new InvalidOperationException(string.Join("; ", parsed.Errors.Select(e => $"{e.Path}: {e.Message}")));

        var random = new Random(42);
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        _history = Enumerable.Range(0, 30)
            .Select(r => new HistoricalRun(Make($"train-{r}", RunPurpose.Training, start.AddHours(r), random, 1.0), ObjectiveStatus.Pass))
            .ToList();
        _run = Make("candidate", RunPurpose.Validation, start.AddHours(31), random, 1.3);
    }

    private static Run Make(string id, RunPurpose purpose, DateTimeOffset at, Random random, double factor)
    {
        var signals = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 0; i < 10; i++)
        {
            signals[$"signal.{i}"] = (400 + (random.NextDouble() * 40)) * factor;
        }

        return new Run(id, purpose, new RunWindow(at, at.AddMinutes(5)), signals);
    }

    [Benchmark]
    public Verdict Judge_10_objectives_against_30_runs() => Judge.Evaluate(_guardian, _history, _run);
}
