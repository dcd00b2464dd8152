using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Core.Tests.Definitions;

public sealed class GuardianDefinitionValidatorTests
{
    private static GuardianDefinition Valid() => new(
        "checkout", "Checkout", "checkout", null, MetricsSourceSpec.LoadTest, TrainingSettings.Default,
        [new Objective("p95", SignalNames.LatencyP95, Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.Static, 600, 800))],
        GuardianPolicy.Default);

    [Fact]
    public void A_valid_definition_has_no_problems() => Assert.Empty(GuardianDefinitionValidator.Validate(Valid()));

    [Fact]
    public void A_definition_built_in_code_is_checked_with_the_same_paths_as_the_json_reader()
    {
        var definition = Valid() with
        {
            Id = "Not Valid",
            Metrics = new MetricsSourceSpec(MetricsSources.AzureMonitor, Table: "requests"),
            Training = new TrainingSettings(5, 2),
            Objectives =
            [
                new Objective("p95", SignalNames.LatencyP95, Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.Static, 800, 600)),
                new Objective("p95", SignalNames.LatencyP99, (Direction)7, new ThresholdSpec(ThresholdMode.None), Weight: 0, Statistic: ObjectiveStatistic.Wilson),
            ],
            Policy = new GuardianPolicy([Decision.Go], [new NotifyTarget("webhook", "ftp://x")]),
        };

        var errors = GuardianDefinitionValidator.Validate(definition);

        Assert.Equal(
        [
            "id: must match ^[a-z0-9][a-z0-9-]{0,62}$",
            "metrics.workspaceId: is required for source azuremonitor",
            "training.maxRuns: must be >= minRuns (5)",
            "objectives[0].thresholds.failure: must be > warning for lowerIsBetter",
            "objectives[1].name: duplicate objective name 'p95' (also objectives[0])",
            "objectives[1].direction: must be lowerIsBetter or higherIsBetter",
            "objectives[1].weight: must be > 0",
            "objectives[1].statistic: wilson applies only to errors.rate, not latency.p99",
            "policy.rollbackOn[0]: must be nogo or inconclusive",
            "policy.notify[0].url: must be an absolute http or https URL",
        ], errors.Select(e => e.ToString()));
    }

    [Fact]
    public void The_reader_and_the_validator_agree_on_a_definition_that_only_breaks_semantic_rules()
    {
        var json = """
            { "id": "checkout", "training": { "minRuns": 3, "maxRuns": 1 },
              "objectives": [ { "name": "rps", "signal": "traffic.rps", "direction": "higherIsBetter", "thresholds": { "mode": "static", "warning": 5, "failure": 9 } } ] }
            """;
        var fromJson = GuardianDefinitionJson.Parse(json).Errors;
        var built = Valid() with
        {
            Training = new TrainingSettings(3, 1),
            Objectives = [new Objective("rps", SignalNames.TrafficRps, Direction.HigherIsBetter, new ThresholdSpec(ThresholdMode.Static, 5, 9))],
        };

        Assert.Equal(fromJson, GuardianDefinitionValidator.Validate(built));
        Assert.Equal(2, fromJson.Count);
    }
}
