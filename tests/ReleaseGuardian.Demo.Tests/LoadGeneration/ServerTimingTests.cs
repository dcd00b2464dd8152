using CsCheck;
using ReleaseGuardian.Demo.LoadGeneration;

namespace ReleaseGuardian.Demo.Tests.LoadGeneration;

public sealed class ServerTimingTests
{
    [Fact]
    public void A_formatted_handling_time_reads_back_to_the_microsecond()
    {
        // Within half a microsecond: the text keeps three decimals (ties round away from zero, unlike Math.Round).
        Gen.Double[0, 100_000].Sample(ms =>
            Assert.InRange(Math.Abs(ServerTiming.Parse([ServerTiming.Format(ms)])!.Value - ms), 0, 0.0005 + 1e-9));
    }

    [Theory]
    [InlineData("cache;desc=\"hit\";dur=0.1, checkout;dur=12.5", 12.5)]
    [InlineData("db;dur=3", null)]
    [InlineData("checkout;desc=\"no duration\"", null)]
    [InlineData("checkout;dur=-1", null)]
    [InlineData("checkout;dur=NaN", null)]
    [InlineData("checkout;dur=abc", null)]
    [InlineData("", null)]
    public void Only_the_checkout_metrics_own_finite_duration_is_read(string header, double? expected)
    {
        Assert.Equal(expected, ServerTiming.Parse([header]));
    }
}
