using CsCheck;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Releases;

namespace ReleaseGuardian.Core.Tests.Releases;

public sealed class ReleasePlanJsonTests
{
    // The plan exactly as issue 15 ("Starting a release") gives it.
    private const string IssueExample = """
        {"stages":[{"rollout":10,"hold":"PT10M"},{"rollout":50,"hold":"PT10M"},{"rollout":100}],
         "validate":"loadtest","approval":"auto","requiredPasses":1}
        """;

    private static DefinitionError SingleError(string json)
    {
        var result = ReleasePlanJson.Parse(json);
        Assert.False(result.IsValid);
        Assert.Null(result.Plan);
        return Assert.Single(result.Errors);
    }

    private static void AssertSingleError(string json, string path, string messageFragment)
    {
        var error = SingleError(json);
        Assert.Equal(path, error.Path);
        Assert.Contains(messageFragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_issue_example_parses_with_its_values()
    {
        var result = ReleasePlanJson.Parse(IssueExample);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var plan = result.Plan!;
        Assert.Equal(
            [new ReleaseStage(10, TimeSpan.FromMinutes(10)), new ReleaseStage(50, TimeSpan.FromMinutes(10)), new ReleaseStage(100)],
            plan.Stages);
        Assert.Equal(ReleaseValidations.LoadTest, plan.Validate);
        Assert.Equal(ReleaseApprovals.Auto, plan.Approval);
        Assert.Equal(1, plan.RequiredPasses);
        Assert.Null(plan.ApprovalTimeout);
        Assert.Null(plan.Variant);
    }

    [Fact]
    public void Only_stages_is_required_and_the_rest_takes_its_defaults()
    {
        var plan = ReleasePlanJson.Parse("""{"stages":[{"rollout":100}]}""").Plan!;

        Assert.Equal([new ReleaseStage(100)], plan.Stages);
        Assert.Equal((ReleaseValidations.LoadTest, ReleaseApprovals.Auto, 1, (TimeSpan?)null, (string?)null), (plan.Validate, plan.Approval, plan.RequiredPasses, plan.ApprovalTimeout, plan.Variant));
    }

    [Fact]
    public void Every_optional_field_is_read()
    {
        var plan = ReleasePlanJson.Parse("""
            {"stages":[{"rollout":5,"hold":"PT1H30M"},{"rollout":100,"hold":"P1D"}],"validate":"window","approval":"manual",
             "requiredPasses":3,"approvalTimeout":"PT48H","variant":"blue"}
            """).Plan!;

        Assert.Equal([new ReleaseStage(5, TimeSpan.FromMinutes(90)), new ReleaseStage(100, TimeSpan.FromDays(1))], plan.Stages);
        Assert.Equal((ReleaseValidations.Window, ReleaseApprovals.Manual, 3, (TimeSpan?)TimeSpan.FromHours(48), "blue"),
            (plan.Validate, plan.Approval, plan.RequiredPasses, plan.ApprovalTimeout, plan.Variant));
    }

    [Theory]
    [InlineData("""{"stages":[]}""", "stages", "must list 1 to 20 stages, not 0")]
    [InlineData("""{}""", "stages", "is required")]
    [InlineData("""{"stages":{"rollout":100}}""", "stages", "must be an array")]
    [InlineData("""{"stages":[100]}""", "stages[0]", "must be a stage object")]
    [InlineData("""{"stages":[{"hold":"PT1M"}]}""", "stages[0].rollout", "is required")]
    [InlineData("""{"stages":[{"rollout":0}]}""", "stages[0].rollout", "from 1 to 100, not 0")]
    [InlineData("""{"stages":[{"rollout":101}]}""", "stages[0].rollout", "from 1 to 100, not 101")]
    [InlineData("""{"stages":[{"rollout":12.5}]}""", "stages[0].rollout", "whole number")]
    [InlineData("""{"stages":[{"rollout":"10"}]}""", "stages[0].rollout", "must be an integer, not a string")]
    [InlineData("""{"stages":[{"rollout":50},{"rollout":50}]}""", "stages[1].rollout", "must be greater than stages[0].rollout (50)")]
    [InlineData("""{"stages":[{"rollout":10},{"rollout":50},{"rollout":20}]}""", "stages[2].rollout", "must be greater than stages[1].rollout (50)")]
    [InlineData("""{"stages":[{"rollout":10,"hold":"PT0S"},{"rollout":100}]}""", "stages[0].hold", "longer than zero")]
    [InlineData("""{"stages":[{"rollout":10,"hold":"P8D"},{"rollout":100}]}""", "stages[0].hold", "at most P7D")]
    [InlineData("""{"stages":[{"rollout":10,"hold":"10 minutes"},{"rollout":100}]}""", "stages[0].hold", "ISO 8601 duration")]
    [InlineData("""{"stages":[{"rollout":10,"hold":"P1M"},{"rollout":100}]}""", "stages[0].hold", "ISO 8601 duration")]
    [InlineData("""{"stages":[{"rollout":10,"hold":"-PT5M"},{"rollout":100}]}""", "stages[0].hold", "ISO 8601 duration")]
    [InlineData("""{"stages":[{"rollout":10,"hold":600},{"rollout":100}]}""", "stages[0].hold", "must be a string, not a number")]
    [InlineData("""{"stages":[{"rollout":10,"hold":"PT5M"},{"rollout":100}],"validate":"window"}""", "stages[1].hold", "is required with validate window: stage 2")]
    [InlineData("""{"stages":[{"rollout":100}],"validate":"canary"}""", "validate", "must be loadtest or window, not 'canary'")]
    [InlineData("""{"stages":[{"rollout":100}],"approval":"maybe"}""", "approval", "must be auto or manual, not 'maybe'")]
    [InlineData("""{"stages":[{"rollout":100}],"approval":true}""", "approval", "must be a string, not a boolean")]
    [InlineData("""{"stages":[{"rollout":100}],"requiredPasses":0}""", "requiredPasses", "from 1 to 10, not 0")]
    [InlineData("""{"stages":[{"rollout":100}],"requiredPasses":11}""", "requiredPasses", "from 1 to 10, not 11")]
    [InlineData("""{"stages":[{"rollout":100}],"approvalTimeout":"PT30S"}""", "approvalTimeout", "from PT1M (1 minute) to P30D (30 days), not PT30S")]
    [InlineData("""{"stages":[{"rollout":100}],"approvalTimeout":"P31D"}""", "approvalTimeout", "not P31D")]
    [InlineData("""{"stages":[{"rollout":100}],"variant":""}""", "variant", "must not be empty")]
    [InlineData("""{"stages":[{"rollout":100}],"variant":7}""", "variant", "must be a string, not a number")]
    [InlineData("""{"stages":[{"rollout":100}],"rollback":"auto"}""", "rollback", "is not a field of a release plan (known: stages, validate")]
    [InlineData("""{"stages":[{"rollout":100,"hodl":"PT1M"}]}""", "stages[0].hodl", "is not a field of a stage (known: rollout or hold)")]
    [InlineData("""[{"rollout":100}]""", "$", "must be a JSON object (the release plan), not an array")]
    [InlineData("""{"stages":[{"rollout":100}]""", "$", "malformed JSON")]
    [InlineData("", "$", "is empty")]
    public void Each_problem_is_reported_at_its_field(string json, string path, string message) =>
        AssertSingleError(json, path, message);

    [Fact]
    public void More_than_twenty_stages_are_refused()
    {
        var stages = string.Join(",", Enumerable.Range(1, 21).Select(i => $$"""{"rollout":{{i}}}"""));
        AssertSingleError($$"""{"stages":[{{stages}}]}""", "stages", "must list 1 to 20 stages, not 21");
    }

    [Fact]
    public void Twenty_stages_are_allowed()
    {
        var stages = string.Join(",", Enumerable.Range(1, 20).Select(i => $$"""{"rollout":{{i * 5}}}"""));
        Assert.True(ReleasePlanJson.Parse($$"""{"stages":[{{stages}}]}""").IsValid);
    }

    [Fact]
    public void Every_problem_is_reported_in_document_order()
    {
        var result = ReleasePlanJson.Parse("""{"stages":[{"rollout":0,"hold":"x"},{"rollout":"a"}],"validate":"v","approval":"a","requiredPasses":-1,"extra":1}""");

        Assert.Equal(
            ["stages[0].rollout", "stages[0].hold", "stages[1].rollout", "validate", "approval", "requiredPasses", "extra"],
            result.Errors.Select(e => e.Path));
    }

    [Fact]
    public void A_broken_rollout_does_not_also_report_the_next_stage_as_not_increasing()
    {
        var error = SingleError("""{"stages":[{"rollout":"fifty"},{"rollout":20}]}""");
        Assert.Equal("stages[0].rollout", error.Path);
    }

    [Fact]
    public void A_stage_without_a_hold_is_fine_with_loadtest_validation()
    {
        Assert.True(ReleasePlanJson.Parse("""{"stages":[{"rollout":10},{"rollout":100}],"validate":"loadtest"}""").IsValid);
    }

    [Theory]
    [InlineData("""{"stages":[{"rollout":100}],"variant":"\ud800"}""", "variant")]
    [InlineData("""{"stages":[{"rollout":100}],"validate":"\udc00x"}""", "validate")]
    [InlineData("""{"stages":[{"rollout":100,"hold":"PT\ud800M"}]}""", "stages[0].hold")]
    public void An_escaped_lone_surrogate_is_an_error_at_its_field(string json, string path)
    {
        var error = SingleError(json);
        Assert.Equal(path, error.Path);
        Assert.DoesNotContain(error.Message, char.IsSurrogate);
    }

    [Fact]
    public void A_field_name_with_an_escaped_lone_surrogate_is_an_error_at_its_object()
    {
        var error = SingleError("""{"stages":[{"rollout":100,"\udc00":1}]}""");
        Assert.Equal("stages[0]", error.Path);
        Assert.Contains("lone UTF-16 surrogate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_raw_lone_surrogate_in_the_text_is_an_error_not_an_exception()
    {
        var error = SingleError("{\"stages\":[{\"rollout\":100}],\"variant\":\"a\ud800b\"}");
        Assert.Equal("$", error.Path);
        Assert.Contains("lone UTF-16 surrogate", error.Message, StringComparison.Ordinal);
    }

    // Generators for the properties.
    private static readonly Gen<ReleasePlan> ValidPlans =
        Gen.Int[1, 100].HashSet[1, 20]
            .Select(set => set.Order().ToArray())
            .SelectMany(rollouts => Gen.Select(
                Gen.Int[0, 7 * 24 * 3600].Array[rollouts.Length],
                Gen.OneOf(Gen.Const(ReleaseValidations.LoadTest), Gen.Const(ReleaseValidations.Window)),
                Gen.OneOf(Gen.Const(ReleaseApprovals.Auto), Gen.Const(ReleaseApprovals.Manual)),
                Gen.Int[1, 10],
                Gen.Int[0, 30 * 24 * 60],
                Gen.OneOf(Gen.Const((string?)null), Gen.String[Gen.Char.AlphaNumeric, 1, 20].Select(s => (string?)s)),
                (holds, validate, approval, passes, timeoutMinutes, variant) =>
                {
                    // A hold of 0 seconds stands for "no hold" (allowed only with loadtest).
                    var stages = rollouts.Select((r, i) => new ReleaseStage(r, holds[i] == 0 && validate == ReleaseValidations.LoadTest ? null : TimeSpan.FromSeconds(Math.Max(1, holds[i])))).ToArray();
                    return new ReleasePlan(stages, validate, approval, passes, timeoutMinutes == 0 ? null : TimeSpan.FromMinutes(timeoutMinutes), variant);
                }));

    [Fact]
    public void Any_valid_plan_round_trips_through_its_json()
    {
        ValidPlans.Sample(plan =>
        {
            Assert.Empty(ReleasePlanValidator.Validate(plan));
            var read = ReleasePlanJson.Parse(ReleasePlanJson.Serialize(plan));
            Assert.True(read.IsValid, string.Join("\n", read.Errors));
            Assert.Equal(plan.Stages, read.Plan!.Stages);
            Assert.Equal(plan with { Stages = read.Plan.Stages }, read.Plan);
        });
    }

    [Fact]
    public void Any_rollout_sequence_that_stops_increasing_is_refused_at_the_first_stage_that_does_not_increase()
    {
        Gen.Int[1, 100].Array[2, 20]
            .Where(r => Enumerable.Range(1, r.Length - 1).Any(i => r[i] <= r[i - 1]))
            .Sample(rollouts =>
            {
                var first = Enumerable.Range(1, rollouts.Length - 1).First(i => rollouts[i] <= rollouts[i - 1]);
                var json = $$"""{"stages":[{{string.Join(",", rollouts.Select(r => $$"""{"rollout":{{r}}}"""))}}]}""";

                var result = ReleasePlanJson.Parse(json);

                Assert.False(result.IsValid);
                Assert.Equal($"stages[{first}].rollout", result.Errors[0].Path);
                Assert.All(result.Errors, e => Assert.Matches(@"^stages\[\d+\]\.rollout$", e.Path));
            });
    }

    private static readonly Gen<string> JsonText = Gen.OneOf(
        Gen.String,
        Gen.Const(IssueExample).Select(Gen.Int[0, IssueExample.Length], (s, cut) => s[..cut]),
        Gen.Const(IssueExample).Select(Gen.Int[0, IssueExample.Length - 1], Gen.Char["\"{}[],:0a-\\\ud800"], (s, at, c) => s[..at] + c + s[(at + 1)..]),
        Gen.Const(IssueExample).Select(Gen.Int[0, IssueExample.Length - 1], Gen.OneOf(Gen.Const("\\ud800"), Gen.Const("null"), Gen.Const("1e400"), Gen.Const("-1"), Gen.Const("[]")), (s, at, c) => s[..at] + c + s[at..]),
        Gen.OneOf(Gen.Const("null"), Gen.Const("1"), Gen.Const("true"), Gen.Const("\"x\""), Gen.Const("[]"), Gen.Const("{}"), Gen.Const("-1e400")));

    [Fact]
    public void Parsing_never_throws_and_always_gives_a_plan_or_errors()
    {
        JsonText.Sample(json =>
        {
            var result = ReleasePlanJson.Parse(json);
            Assert.True(result.IsValid ^ (result.Errors.Count > 0));
            Assert.All(result.Errors, e => Assert.False(string.IsNullOrEmpty(e.Path)));
        }, iter: 5000);
    }
}
