using CsCheck;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Core.Tests.Flags;

public sealed class FlagChangeOrderTests
{
    // Captured from a real Unleash 8.2.0 (eng/unleash.sh) turning on a new flag in an environment with no strategy:
    // GET /api/admin/events lists, with one createdAt, {"id":9,"type":"feature-strategy-add",...} and
    // {"id":10,"type":"feature-environment-enabled",...}. The adapter reads the first as on/off unknown and the second
    // as off -> on (UnleashWebhookAdapter).
    private static readonly DateTimeOffset Burst = DateTimeOffset.Parse("2026-12-06T00:14:13.864Z");

    private static FlagChange StrategyAdded(string id) =>
        new("unleash", "new-checkout", "default", "development", null, new FlagState(null), "release-manager", Burst, id);

    private static FlagChange Enabled(string id) =>
        new("unleash", "new-checkout", "default", "development", new FlagState(false), new FlagState(true), "release-manager", Burst, id);

    [Theory]
    [InlineData("8", "9")]
    [InlineData("9", "10")]
    [InlineData("99", "100")]
    [InlineData("100", "99")]
    public void In_one_Unleash_burst_the_change_that_states_its_on_off_state_is_the_latest_whatever_the_ids(string strategyId, string enabledId)
    {
        var strategy = StrategyAdded(strategyId);
        var enabled = Enabled(enabledId);

        Assert.Same(enabled, FlagChangeOrder.Latest([strategy, enabled]));
        Assert.Same(enabled, FlagChangeOrder.Latest([enabled, strategy]));
    }

    [Fact]
    public void A_later_change_is_the_latest_even_when_its_state_is_unknown()
    {
        var enabled = Enabled("10");
        var strategyChangedLater = StrategyAdded("11") with { ChangedAt = Burst.AddMilliseconds(1) };

        Assert.Same(strategyChangedLater, FlagChangeOrder.Latest([enabled, strategyChangedLater]));
    }

    [Fact]
    public void Numeric_ids_compare_as_numbers_of_any_length_and_other_ids_as_text()
    {
        Gen.Select(Gen.ULong, Gen.ULong).Sample((a, b) =>
            Math.Sign(FlagChangeOrder.CompareIds(a.ToString(), b.ToString())) == Math.Sign(a.CompareTo(b)));
        Assert.True(FlagChangeOrder.CompareIds("123456789012345678901234567890", "99999999999999999999999999999") > 0);
        Assert.True(FlagChangeOrder.CompareIds("65a1f0c2e4b0a1d2c3f4b7d8", "65a1f0c2e4b0a1d2c3f4a5c6") > 0);
        Assert.True(FlagChangeOrder.CompareIds("10", "9a") < 0);
    }

    [Fact]
    public void Same_moment_changes_with_equally_known_states_are_ordered_by_numeric_id_in_any_input_order()
    {
        Gen.Select(Gen.Int[1, 1_000_000], Gen.Int[1, 1_000_000]).Where((a, b) => a != b).Sample((a, b) =>
        {
            var x = Enabled(a.ToString());
            var y = Enabled(b.ToString()) with { Current = new FlagState(false), Previous = new FlagState(true) };
            var expected = a > b ? x : y;
            return ReferenceEquals(FlagChangeOrder.Latest([x, y]), expected) && ReferenceEquals(FlagChangeOrder.Latest([y, x]), expected);
        });
    }
}
