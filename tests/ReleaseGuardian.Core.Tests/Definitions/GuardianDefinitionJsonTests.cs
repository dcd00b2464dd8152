using CsCheck;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Core.Tests.Definitions;

public sealed class GuardianDefinitionJsonTests
{
    private const string DesignExample = """
        {
          "id": "checkout",
          "displayName": "Checkout service",
          "service": "checkout",
          "flag": { "provider": "launchdarkly", "key": "new-checkout", "project": "default", "environment": "production" },
          "metrics": { "source": "loadtest" },
          "training": { "minRuns": 5, "maxRuns": 30 },
          "objectives": [
            { "name": "p95 latency", "signal": "latency.p95", "direction": "lowerIsBetter",
              "thresholds": { "mode": "static", "warning": 600, "failure": 800 } },
            { "name": "error rate", "signal": "errors.rate", "direction": "lowerIsBetter",
              "thresholds": { "mode": "adaptive" }, "key": true, "minRequests": 100 },
            { "name": "traffic", "signal": "traffic.requests", "direction": "higherIsBetter",
              "thresholds": { "mode": "adaptive", "kw": 1.5, "kf": 3, "relFloor": 0.05 } }
          ],
          "policy": { "rollbackOn": ["nogo"], "notify": [ { "type": "webhook", "url": "https://example.org/hook" } ] }
        }
        """;

    /// <summary>A minimal valid definition with one objective whose JSON is <paramref name="objective"/>.</summary>
    private static string WithObjective(string objective) =>
        $$"""{ "id": "checkout", "objectives": [ {{objective}} ] }""";

    private const string P95 = """{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "static", "warning": 600, "failure": 800 } }""";

    private static DefinitionParseResult Parse(string json) => GuardianDefinitionJson.Parse(json);

    private static void AssertSingleError(string json, string path, string messageFragment)
    {
        var result = Parse(json);
        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(messageFragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_design_example_parses_with_its_values_and_defaults()
    {
        var result = Parse(DesignExample);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var g = result.Definition!;
        Assert.Equal("checkout", g.Id);
        Assert.Equal("Checkout service", g.DisplayName);
        Assert.NotNull(g.Flag);
        Assert.Equal(("launchdarkly", "new-checkout", "default", "production"), (g.Flag.Provider, g.Flag.Key, g.Flag.Project, g.Flag.Environment));
        Assert.Equal(MetricsSources.LoadTest, g.Metrics.Source);
        Assert.Equal(new TrainingSettings(5, 30), g.Training);
        Assert.Equal(3, g.Objectives.Count);
        Assert.Equal(new ThresholdSpec(ThresholdMode.Static, 600, 800), g.Objectives[0].Thresholds);
        Assert.Equal(new ThresholdSpec(ThresholdMode.Adaptive, null, null, 1.5, 3, 0.05, 0.005), g.Objectives[1].Thresholds);
        Assert.True(g.Objectives[1].Key);
        Assert.Equal(100, g.Objectives[1].MinRequests);
        Assert.Equal(Direction.HigherIsBetter, g.Objectives[2].Direction);
        Assert.Equal(0, g.Objectives[2].Thresholds.AbsFloor);
        Assert.Equal(1, g.Objectives[2].Weight);
        Assert.Equal([Decision.NoGo], g.Policy.RollbackOn);
        Assert.Equal(new NotifyTarget("webhook", "https://example.org/hook"), Assert.Single(g.Policy.Notify));
    }

    [Fact]
    public void A_minimal_definition_gets_every_default()
    {
        var result = Parse(WithObjective("""{ "name": "errors", "signal": "errors.rate", "direction": "lowerIsBetter", "thresholds": { "mode": "adaptive" } }"""));

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var g = result.Definition!;
        Assert.Equal("checkout", g.DisplayName);
        Assert.Equal("checkout", g.Service);
        Assert.Null(g.Flag);
        Assert.Equal(MetricsSources.LoadTest, g.Metrics.Source);
        Assert.Equal(TrainingSettings.Default, g.Training);
        Assert.Equal([Decision.NoGo], g.Policy.RollbackOn);
        Assert.Empty(g.Policy.Notify);
        var o = g.Objectives[0];
        Assert.Equal((1.5, 3.0, 0.05, 0.005), (o.Thresholds.Kw!.Value, o.Thresholds.Kf!.Value, o.Thresholds.RelFloor!.Value, o.Thresholds.AbsFloor!.Value));
        Assert.Equal((1.0, false, ObjectiveStatistic.Value), (o.Weight, o.Key, o.Statistic));
    }

    [Theory]
    [InlineData("""{ "id": "Checkout", "objectives": [ P95 ] }""", "id", "must match ^[a-z0-9][a-z0-9-]{0,62}$")]
    [InlineData("""{ "id": "-checkout", "objectives": [ P95 ] }""", "id", "must match")]
    [InlineData("""{ "id": "checkout\n", "objectives": [ P95 ] }""", "id", "must match")]
    [InlineData("""{ "id": 42, "objectives": [ P95 ] }""", "id", "must be a string, not a number")]
    [InlineData("""{ "objectives": [ P95 ] }""", "id", "is required")]
    [InlineData("""{ "id": "checkout" }""", "objectives", "is required")]
    [InlineData("""{ "id": "checkout", "objectives": [] }""", "objectives", "must list at least one objective")]
    [InlineData("""{ "id": "checkout", "objectives": {} }""", "objectives", "must be an array, not an object")]
    [InlineData("""{ "id": "checkout", "objectives": [ 7 ] }""", "objectives[0]", "must be an objective object, not a number")]
    [InlineData("""{ "id": "checkout", "metrics": { "source": "prometheus" }, "objectives": [ P95 ] }""", "metrics.url", "is required for source prometheus")]
    [InlineData("""{ "id": "checkout", "metrics": { "source": "prometheus", "url": "prom:9090" }, "objectives": [ P95 ] }""", "metrics.url", "absolute http or https URL")]
    [InlineData("""{ "id": "checkout", "metrics": { "source": "azuremonitor", "table": "AppRequests" }, "objectives": [ P95 ] }""", "metrics.workspaceId", "is required for source azuremonitor")]
    [InlineData("""{ "id": "checkout", "metrics": { "source": "azuremonitor", "workspaceId": "w", "table": "traces" }, "objectives": [ P95 ] }""", "metrics.table", "must be AppRequests or requests")]
    [InlineData("""{ "id": "checkout", "metrics": { "source": "datadog" }, "objectives": [ P95 ] }""", "metrics.source", "must be loadtest, prometheus or azuremonitor")]
    [InlineData("""{ "id": "checkout", "training": { "minRuns": 0 }, "objectives": [ P95 ] }""", "training.minRuns", "must be >= 1")]
    [InlineData("""{ "id": "checkout", "training": { "minRuns": 5, "maxRuns": 4 }, "objectives": [ P95 ] }""", "training.maxRuns", "must be >= minRuns (5)")]
    [InlineData("""{ "id": "checkout", "training": { "minRuns": 2.5 }, "objectives": [ P95 ] }""", "training.minRuns", "must be a whole number")]
    [InlineData("""{ "id": "checkout", "policy": { "rollbackOn": ["go"] }, "objectives": [ P95 ] }""", "policy.rollbackOn[0]", "must be nogo or inconclusive, not 'go'")]
    [InlineData("""{ "id": "checkout", "policy": { "notify": [ { "type": "email", "url": "https://x.org" } ] }, "objectives": [ P95 ] }""", "policy.notify[0].type", "must be webhook, slack, teams or cloudevents")]
    [InlineData("""{ "id": "checkout", "policy": { "notify": [ { "type": "slack" } ] }, "objectives": [ P95 ] }""", "policy.notify[0].url", "is required")]
    [InlineData("""{ "id": "checkout", "flag": { "key": "f" }, "objectives": [ P95 ] }""", "flag.provider", "is required")]
    public void A_definition_level_problem_is_reported_at_its_path(string template, string path, string message) =>
        AssertSingleError(template.Replace("P95", P95, StringComparison.Ordinal), path, message);

    [Theory]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "sideways", "thresholds": { "mode": "none" } }""", "objectives[0].direction", "must be lowerIsBetter or higherIsBetter")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "thresholds": { "mode": "none" } }""", "objectives[0].direction", "is required")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "static", "warning": 800, "failure": 600 } }""", "objectives[0].thresholds.failure", "must be > warning for lowerIsBetter")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "static", "warning": 600, "failure": 600 } }""", "objectives[0].thresholds.failure", "must be > warning for lowerIsBetter")]
    [InlineData("""{ "name": "rps", "signal": "traffic.rps", "direction": "higherIsBetter", "thresholds": { "mode": "static", "warning": 10, "failure": 20 } }""", "objectives[0].thresholds.failure", "must be < warning for higherIsBetter")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "static" } }""", "objectives[0].thresholds", "need a warning and/or a failure")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "magic" } }""", "objectives[0].thresholds.mode", "unknown threshold mode 'magic'")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "adaptive", "warning": 5 } }""", "objectives[0].thresholds.warning", "applies only to mode static")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "static", "failure": 5, "kw": 2 } }""", "objectives[0].thresholds.kw", "applies only to mode adaptive")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "adaptive", "kw": 3, "kf": 2 } }""", "objectives[0].thresholds.kf", "must be > kw (3)")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "adaptive", "relFloor": -1 } }""", "objectives[0].thresholds.relFloor", "must be >= 0")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "static", "failure": "800" } }""", "objectives[0].thresholds.failure", "must be a number, not a string")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": "static" }""", "objectives[0].thresholds", "must be a JSON object, not a string")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "none" }, "weight": 0 }""", "objectives[0].weight", "must be > 0")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "none" }, "weight": -2 }""", "objectives[0].weight", "must be > 0")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "none" }, "key": "yes" }""", "objectives[0].key", "must be true or false")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "none" }, "minRequests": -1 }""", "objectives[0].minRequests", "must be >= 0")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "none" }, "statistic": "wilson" }""", "objectives[0].statistic", "wilson applies only to errors.rate")]
    [InlineData("""{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "none" }, "statistic": "mean" }""", "objectives[0].statistic", "must be value or wilson")]
    [InlineData("""{ "name": "", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "none" } }""", "objectives[0].name", "must not be empty")]
    [InlineData("""{ "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "none" } }""", "objectives[0].name", "is required")]
    public void An_objective_problem_is_reported_at_its_path(string objective, string path, string message) =>
        AssertSingleError(WithObjective(objective), path, message);

    [Fact]
    public void Duplicate_objective_names_are_reported_at_the_second_one()
    {
        var json = $$"""{ "id": "checkout", "objectives": [ {{P95}}, {{P95}} ] }""";

        AssertSingleError(json, "objectives[1].name", "duplicate objective name 'p95' (also objectives[0])");
    }

    [Fact]
    public void Wilson_is_accepted_for_the_error_rate()
    {
        var result = Parse(WithObjective("""{ "name": "e", "signal": "errors.rate", "direction": "lowerIsBetter", "thresholds": { "mode": "static", "failure": 0.01 }, "statistic": "wilson" }"""));

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(ObjectiveStatistic.Wilson, result.Definition!.Objectives[0].Statistic);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_in_document_order()
    {
        var json = """
            { "id": "BAD", "training": { "minRuns": 0 },
              "objectives": [ { "name": "a", "signal": "latency.p95", "direction": "up", "thresholds": { "mode": "none" }, "weight": 0 } ],
              "policy": { "rollbackOn": ["sometimes"] } }
            """;

        var result = Parse(json);

        Assert.Equal(["id", "training.minRuns", "objectives[0].direction", "objectives[0].weight", "policy.rollbackOn[0]"], result.Errors.Select(e => e.Path));
    }

    [Fact]
    public void A_broken_field_does_not_cause_follow_on_errors()
    {
        // The direction is unreadable, so the warning/failure order cannot be checked and must not be reported.
        var result = Parse(WithObjective("""{ "name": "p", "signal": "latency.p95", "direction": 3, "thresholds": { "mode": "static", "warning": 800, "failure": 600 } }"""));

        Assert.Equal("objectives[0].direction", Assert.Single(result.Errors).Path);
    }

    [Theory]
    [InlineData("{ \"id\": \"checkout\",\n  \"objectives\": [ }", 2, 19)]
    [InlineData("{ \"id\": ", 1, 9)]
    public void Malformed_json_is_reported_with_line_and_position(string json, int line, int position)
    {
        var error = Assert.Single(Parse(json).Errors);

        Assert.Equal("$", error.Path);
        Assert.StartsWith($"malformed JSON at line {line}, position {position}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("\"checkout\"")]
    public void A_document_that_is_not_an_object_is_reported_at_the_root(string json) =>
        Assert.Equal("$", Assert.Single(Parse(json).Errors).Path);

    [Fact]
    public void Serialize_writes_the_contract_shape_and_parses_back_unchanged()
    {
        var original = Parse(DesignExample).Definition!;

        var json = GuardianDefinitionJson.Serialize(original);
        var reparsed = Parse(json);

        Assert.True(reparsed.IsValid, string.Join("\n", reparsed.Errors));
        Assert.Equal(json, GuardianDefinitionJson.Serialize(reparsed.Definition!));
        Assert.Contains("\"direction\": \"lowerIsBetter\"", json, StringComparison.Ordinal);
        Assert.Contains("\"direction\": \"higherIsBetter\"", json, StringComparison.Ordinal);
        Assert.Contains("\"mode\": \"static\"", json, StringComparison.Ordinal);
        Assert.Contains("\"rollbackOn\": [\n      \"nogo\"\n    ]", json.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(original.Objectives, reparsed.Definition!.Objectives);
    }

    [Fact]
    public void Serialize_round_trips_every_optional_field()
    {
        var definition = new GuardianDefinition(
            "orders", "Orders", "orders-api",
            new FlagBinding("flagd", "new-orders") { Settings = new Dictionary<string, string> { ["source"] = "/etc/flags.json" } },
            new MetricsSourceSpec(MetricsSources.AzureMonitor, null, "ws-1", "AppRequests", "orders", 12) { Queries = new Dictionary<string, string> { ["latency.p95"] = "AppRequests | summarize" } },
            new TrainingSettings(3, 10),
            [new Objective("errors", SignalNames.ErrorsRate, Direction.LowerIsBetter, new ThresholdSpec(ThresholdMode.Static, 0.01, 0.02), 2, true, 50, ObjectiveStatistic.Wilson, "custom")],
            new GuardianPolicy([Decision.NoGo, Decision.Inconclusive], [new NotifyTarget("slack", "https://hooks.slack.com/x")]));

        var json = GuardianDefinitionJson.Serialize(definition);
        var back = Parse(json);

        Assert.True(back.IsValid, string.Join("\n", back.Errors));
        var d = back.Definition!;
        Assert.Equal("/etc/flags.json", d.Flag!.Settings["source"]);
        Assert.Equal("AppRequests | summarize", d.Metrics.Queries["latency.p95"]);
        Assert.Equal((MetricsSources.AzureMonitor, "ws-1", "AppRequests", "orders", (double?)12), (d.Metrics.Source, d.Metrics.WorkspaceId, d.Metrics.Table, d.Metrics.RoleName, d.Metrics.TimeoutSeconds));
        Assert.Equal(definition.Objectives, d.Objectives);
        Assert.Equal(definition.Training, d.Training);
        Assert.Equal(definition.Policy.RollbackOn, d.Policy.RollbackOn);
        Assert.Equal(definition.Policy.Notify, d.Policy.Notify);
        Assert.Equal(json, GuardianDefinitionJson.Serialize(d));
    }

    private static readonly Gen<string> JsonText = Gen.OneOf(
        Gen.String,
        Gen.Const(DesignExample).Select(Gen.Int[0, DesignExample.Length], (s, cut) => s[..cut]),
        Gen.Const(DesignExample).Select(Gen.Int[0, DesignExample.Length - 1], Gen.Char["\"{}[],:0a-"], (s, at, c) => s[..at] + c + s[(at + 1)..]),
        Gen.OneOf(Gen.Const("null"), Gen.Const("1"), Gen.Const("true"), Gen.Const("\"x\""), Gen.Const("[]"), Gen.Const("{}"), Gen.Const("-1e400"))
            .Select(v => $$"""{ "id": {{v}}, "objectives": [ { "name": {{v}}, "signal": {{v}}, "direction": {{v}}, "thresholds": {{v}}, "weight": {{v}} } ], "training": {{v}}, "policy": { "rollbackOn": {{v}} } }"""));

    [Fact]
    public void Arbitrary_text_never_throws_and_invalid_input_always_names_a_path() =>
        JsonText.Sample(json =>
        {
            var result = Parse(json);
            return result.IsValid
                ? result.Errors.Count == 0 && result.Definition is not null
                : result.Errors.Count > 0 && result.Errors.All(e => !string.IsNullOrEmpty(e.Path) && !string.IsNullOrEmpty(e.Message));
        }, iter: 2000);
}
