using CsCheck;
using Microsoft.Extensions.Configuration;
using ReleaseGuardian.Infrastructure.HttpApi;

namespace ReleaseGuardian.Infrastructure.Tests.HttpApi;

public sealed class ManagementKeyTests
{
    private static ManagementKey KeyOf(string expected) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Guardian:ApiKey"] = expected }).Build());

    [Fact]
    public void Only_the_exact_key_is_accepted_whatever_the_lengths_of_the_two()
    {
        // Prefixes, extensions and keys of other lengths are the cases an early length check answers fastest.
        Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 80], Gen.String[Gen.Char.AlphaNumeric, 0, 80], Gen.Int[0, 3]).Sample((expected, other, mode) =>
        {
            var presented = mode switch { 0 => expected, 1 => expected + other, 2 => expected[..(expected.Length / 2)], _ => other };
            var refused = KeyOf(expected).Refuse(presented, null) is not null;
            Assert.Equal(presented != expected, refused);
        }, iter: 2_000);
    }

    [Fact]
    public void The_bytes_compared_in_constant_time_have_one_fixed_length_for_keys_of_every_length()
    {
        // Issue 12, finding 12: FixedTimeEquals returns at once when its inputs differ in length, which told an
        // attacker the key's length. Both sides are compared as SHA-256 digests, so the lengths never differ.
        Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 0, 10_000], Gen.String[Gen.Char.AlphaNumeric, 0, 10_000]).Sample((a, b) =>
        {
            var (left, right) = ManagementKey.ComparedForms(a, b);
            Assert.Equal(32, left.Length);
            Assert.Equal(left.Length, right.Length);
            Assert.Equal(a == b, left.AsSpan().SequenceEqual(right));
        }, iter: 500);
    }
}
