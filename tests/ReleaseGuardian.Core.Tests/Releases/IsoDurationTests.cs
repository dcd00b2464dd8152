using CsCheck;
using ReleaseGuardian.Core.Releases;

namespace ReleaseGuardian.Core.Tests.Releases;

public sealed class IsoDurationTests
{
    [Theory]
    [InlineData("PT10M", 600)]
    [InlineData("PT1H30M", 5400)]
    [InlineData("PT24H", 86400)]
    [InlineData("P1D", 86400)]
    [InlineData("P1DT2H", 93600)]
    [InlineData("P2W", 1209600)]
    [InlineData("PT0.5S", 0.5)]
    [InlineData("PT90S", 90)]
    public void Fixed_length_durations_are_read(string text, double seconds)
    {
        Assert.True(IsoDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1Y")]
    [InlineData("P1M")]
    [InlineData("-PT1M")]
    [InlineData("PT1M\n")]
    [InlineData("pt10m")]
    [InlineData("PT\u0661M")]
    [InlineData("10")]
    public void Other_text_is_not_a_duration(string text) => Assert.False(IsoDuration.TryParse(text, out _));

    [Fact]
    public void Any_duration_reads_back_from_its_format() =>
        Gen.Long[0, TimeSpan.FromDays(400).Ticks].Sample(ticks =>
        {
            var value = TimeSpan.FromTicks(ticks);
            Assert.True(IsoDuration.TryParse(IsoDuration.Format(value), out var read));
            Assert.Equal(value, read);
        });
}
