using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Core.Tests.Flags;

public sealed class FlagStateTests
{
    [Theory]
    [InlineData(true, null, "on")]
    [InlineData(false, null, "off")]
    [InlineData(null, null, "unknown")]
    [InlineData(true, "off", "variant 'off'")]
    [InlineData(null, "v2", "variant 'v2'")]
    [InlineData(false, "on", "disabled (variant 'on')")]
    public void A_flag_state_reads_as_the_variant_it_serves_or_its_on_off_state(bool? enabled, string? variant, string expected)
    {
        Assert.Equal(expected, new FlagState(enabled, variant).ToString());
    }
}
