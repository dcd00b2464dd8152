using System.Text.Json;
using CsCheck;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;
using static ReleaseGuardian.Core.Tests.Judgement.Examples;

namespace ReleaseGuardian.Core.Tests.Judgement;

public sealed class VerdictJsonTests
{
    [Fact]
    public void A_verdict_is_written_in_the_contract_shape()
    {
        var verdict = Judge.Evaluate(Checkout(), FiveTrainingRuns(), Sixth(errorRate: 0.12));

        using var json = JsonDocument.Parse(VerdictJson.Serialize(verdict));
        var root = json.RootElement;

        Assert.Equal("fail", root.GetProperty("status").GetString());
        Assert.Equal("nogo", root.GetProperty("decision").GetString());
        Assert.Equal(66.7, root.GetProperty("score").GetDouble());
        var errors = root.GetProperty("objectives")[1];
        Assert.Equal("error rate", errors.GetProperty("name").GetString());
        Assert.Equal("fail", errors.GetProperty("status").GetString());
        Assert.Equal(0.12, errors.GetProperty("value").GetDouble());
        Assert.Equal(0.0075, errors.GetProperty("warning").GetDouble(), 12);
        Assert.Equal(0.015, errors.GetProperty("failure").GetDouble(), 12);
        Assert.StartsWith("error rate 0.12 is above the failure threshold 0.015", errors.GetProperty("explanation").GetString(), StringComparison.Ordinal);
        Assert.Equal("absoluteFloor", errors.GetProperty("baseline").GetProperty("spreadBasis").GetString());
        Assert.Equal(5, errors.GetProperty("baseline").GetProperty("runs").GetArrayLength());
    }

    [Fact]
    public void A_verdict_reads_back_unchanged()
    {
        var verdicts = new[]
        {
            Judge.Evaluate(Checkout(), FiveTrainingRuns(), Sixth(errorRate: 0.12)),
            Judge.Evaluate(Checkout(), FiveTrainingRuns().Take(3).ToList(), Sixth()),
            Judge.Evaluate(Guardian(ErrorRateAdaptive(statistic: ObjectiveStatistic.Wilson), P95Static()), FiveTrainingRuns(), Run("run-6", ("errors.rate", 0.1), ("traffic.requests", 100))),
        };

        foreach (var verdict in verdicts)
        {
            var json = VerdictJson.Serialize(verdict);
            var back = VerdictJson.Parse(json);

            Assert.True(back.IsValid, string.Join("\n", back.Errors));
            Assert.Equal(json, VerdictJson.Serialize(back.Value!));
            Assert.Equal(verdict with { Objectives = [] }, back.Value! with { Objectives = [] });
        }
    }

    [Fact]
    public void The_minimal_design_verdict_parses()
    {
        var json = """
            { "status": "fail", "decision": "nogo", "score": 66.7,
              "objectives": [ { "name": "error rate", "status": "fail", "value": 0.12, "warning": 0.0075, "failure": 0.015, "explanation": "..." } ] }
            """;

        var verdict = VerdictJson.Parse(json).Value!;

        Assert.Equal((ObjectiveStatus.Fail, Decision.NoGo, (double?)66.7), (verdict.Status, verdict.Decision, verdict.Score));
        Assert.Equal(0.015, Assert.Single(verdict.Objectives).Failure);
    }

    [Theory]
    [InlineData("""{ "status": "great", "decision": "nogo", "objectives": [] }""", "status")]
    [InlineData("""{ "status": "fail", "decision": "maybe", "objectives": [] }""", "decision")]
    [InlineData("""{ "status": "fail", "decision": "nogo" }""", "objectives")]
    [InlineData("""{ "status": "fail", "decision": "nogo", "objectives": [ { "name": "x", "status": "fail", "value": "high" } ] }""", "objectives[0].value")]
    [InlineData("""{ "status": "fail", "decision": "nogo", "score": "high", "objectives": [] }""", "score")]
    public void A_bad_verdict_is_reported_at_its_path(string json, string path) =>
        Assert.Equal(path, Assert.Single(VerdictJson.Parse(json).Errors).Path);

    [Fact]
    public void Arbitrary_text_never_throws() =>
        Gen.String.Sample(text =>
        {
            var result = VerdictJson.Parse(text);
            return result.IsValid || result.Errors.All(e => e.Path.Length > 0);
        }, iter: 2000);
}
