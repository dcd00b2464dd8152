using CsCheck;
using ReleaseGuardian.Core.Releases;

namespace ReleaseGuardian.Core.Tests.Releases;

public sealed class ReleasePlanRulesTests
{
    [Fact]
    public void An_on_off_flag_runs_a_single_stage_at_100_percent() =>
        Assert.Empty(ReleasePlanRules.ForOnOffOnly(new ReleasePlan([new ReleaseStage(100)]), "httphook"));

    [Fact]
    public void An_on_off_flag_refuses_a_second_stage_naming_it()
    {
        var error = Assert.Single(ReleasePlanRules.ForOnOffOnly(new ReleasePlan([new ReleaseStage(10), new ReleaseStage(100)]), "httphook"));

        Assert.Equal("stages[1]", error.Path);
        Assert.Contains("only has on/off", error.Message, StringComparison.Ordinal);
        Assert.Contains("httphook", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_on_off_flag_refuses_a_single_partial_stage_naming_its_rollout()
    {
        var error = Assert.Single(ReleasePlanRules.ForOnOffOnly(new ReleasePlan([new ReleaseStage(50)]), "httphook"));

        Assert.Equal("stages[0].rollout", error.Path);
        Assert.Contains("must be 100", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_on_off_flag_accepts_exactly_the_plans_of_one_full_stage()
    {
        Gen.Int[1, 100].Array[1, 5].Sample(rollouts =>
        {
            var plan = new ReleasePlan([.. rollouts.Select(r => new ReleaseStage(r))]);
            var errors = ReleasePlanRules.ForOnOffOnly(plan, "flag");
            Assert.Equal(rollouts is [100], errors.Count == 0);
        });
    }
}
