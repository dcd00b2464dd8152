using CsCheck;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;
using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Core.Tests.Judgement;

public sealed class RunJsonTests
{
    private const string DesignRun = """
        { "id": "run-6", "purpose": "validation",
          "window": { "start": "2026-11-24T10:00:00Z", "end": "2026-11-24T10:01:00Z" },
          "signals": { "latency.p95": 512.3, "errors.rate": 0.12, "traffic.requests": 1158 } }
        """;

    [Fact]
    public void The_design_run_parses()
    {
        var result = RunJson.ParseRun(DesignRun);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var run = result.Value!;
        Assert.Equal(("run-6", RunPurpose.Validation), (run.Id, run.Purpose));
        Assert.Equal(new RunWindow(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 24, 10, 1, 0, TimeSpan.Zero)), run.Window);
        Assert.Equal(512.3, run.Signal("latency.p95"));
        Assert.Equal(1158, run.Signal("traffic.requests"));
        Assert.Null(run.Signal("latency.p99"));
    }

    [Theory]
    [InlineData("""{ "purpose": "validation", "signals": {} }""", "id", "is required")]
    [InlineData("""{ "id": "r", "purpose": "smoke", "signals": {} }""", "purpose", "must be training or validation")]
    [InlineData("""{ "id": "r" }""", "signals", "is required")]
    [InlineData("""{ "id": "r", "signals": { "latency.p95": "fast" } }""", "signals[\"latency.p95\"]", "must be a number, not a string")]
    [InlineData("""{ "id": "r", "signals": {}, "window": { "start": "yesterday", "end": "2026-11-24T10:01:00Z" } }""", "window.start", "must be an ISO 8601 time")]
    [InlineData("""{ "id": "r", "signals": {}, "window": { "start": "2026-11-24T10:01:00Z", "end": "2026-11-24T10:00:00Z" } }""", "window.end", "must not be before start")]
    [InlineData("""[1]""", "$", "must be a run object, not an array")]
    public void A_bad_run_is_reported_at_its_path(string json, string path, string message)
    {
        var error = Assert.Single(RunJson.ParseRun(json).Errors);

        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_history_keeps_chronological_order_status_and_invalidation()
    {
        var json = """
            [ { "id": "run-1", "purpose": "training", "signals": { "errors.rate": 0 }, "status": "pass", "invalidated": false },
              { "id": "run-2", "purpose": "training", "signals": { "errors.rate": 0.3 }, "status": "fail" },
              { "id": "run-3", "signals": { "errors.rate": 0 }, "status": "warning", "invalidated": true } ]
            """;

        var result = RunJson.ParseHistory(json);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var history = result.Value!;
        Assert.Equal(["run-1", "run-2", "run-3"], history.Select(h => h.Run.Id));
        Assert.Equal([ObjectiveStatus.Pass, ObjectiveStatus.Fail, ObjectiveStatus.Warning], history.Select(h => h.Status));
        Assert.Equal([false, false, true], history.Select(h => h.Invalidated));
        Assert.Equal(RunPurpose.Validation, history[2].Run.Purpose);
    }

    [Fact]
    public void Every_bad_history_entry_is_reported_with_its_index()
    {
        var json = """
            [ { "id": "run-1", "signals": {}, "status": "pass" },
              { "id": "run-2", "signals": { "x": true }, "status": "great" },
              "run-3",
              { "signals": {}, "invalidated": "no" } ]
            """;

        var errors = RunJson.ParseHistory(json).Errors;

        Assert.Equal(["$[1].signals.x", "$[1].status", "$[2]", "$[3].id", "$[3].status", "$[3].invalidated"], errors.Select(e => e.Path));
    }

    [Fact]
    public void A_history_must_be_an_array() =>
        Assert.Equal("$", Assert.Single(RunJson.ParseHistory("""{ "id": "run-1" }""").Errors).Path);

    [Fact]
    public void A_history_written_by_serialize_reads_back_the_same()
    {
        var history = new List<HistoricalRun>
        {
            new(new Run("run-1", RunPurpose.Training, new RunWindow(DateTimeOffset.Parse("2026-11-24T09:00:00Z"), DateTimeOffset.Parse("2026-11-24T09:01:00Z")),
                new Dictionary<string, double> { ["latency.p95"] = 498.2, ["errors.rate"] = 0 }), ObjectiveStatus.Pass),
            new(new Run("run-2", RunPurpose.Validation, null, new Dictionary<string, double> { ["traffic.requests"] = 1158 }), ObjectiveStatus.Fail, true),
        };

        var back = RunJson.ParseHistory(RunJson.SerializeHistory(history)).Value!;

        Assert.Equal(history.Count, back.Count);
        for (var i = 0; i < history.Count; i++)
        {
            Assert.Equal((history[i].Run.Id, history[i].Run.Purpose, history[i].Run.Window, history[i].Status, history[i].Invalidated),
                (back[i].Run.Id, back[i].Run.Purpose, back[i].Run.Window, back[i].Status, back[i].Invalidated));
            Assert.Equal(history[i].Run.Signals, back[i].Run.Signals);
        }
    }

    private static readonly Gen<string> JsonText = Gen.OneOf(
        Gen.String,
        Gen.Const(DesignRun).Select(Gen.Int[0, DesignRun.Length], (s, cut) => s[..cut]),
        Gen.Const(DesignRun).Select(Gen.Int[0, DesignRun.Length - 1], Gen.Char["\"{}[],:0a-"], (s, at, c) => s[..at] + c + s[(at + 1)..]),
        Gen.Const("[" + DesignRun + "]").Select(Gen.Int[0, DesignRun.Length], Gen.Char["\"{}[],:0a-"], (s, at, c) => s[..at] + c + s[(at + 1)..]));

    [Fact]
    public void Arbitrary_text_never_throws_and_failures_always_name_a_path() =>
        JsonText.Sample(json =>
        {
            var run = RunJson.ParseRun(json);
            var history = RunJson.ParseHistory(json);
            return (run.IsValid || run.Errors.All(e => e.Path.Length > 0 && e.Message.Length > 0))
                && (history.IsValid || history.Errors.All(e => e.Path.Length > 0 && e.Message.Length > 0))
                && run.IsValid == (run.Errors.Count == 0)
                && history.IsValid == (history.Errors.Count == 0);
        }, iter: 2000);
}
