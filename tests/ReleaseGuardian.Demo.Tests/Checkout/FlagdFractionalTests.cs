using CsCheck;
using ReleaseGuardian.Demo.Checkout;

namespace ReleaseGuardian.Demo.Tests.Checkout;

/// <summary>
/// The demo's fractional bucketing against flagd's own conformance vectors, and its shares against the weights.
/// Vectors: open-feature/flagd-testbed gherkin/targeting.feature (the <c>@fractional-v2</c> examples: flagd's
/// <c>(hash * totalWeight) &gt;&gt; 32</c> bucketing) with the flags of flagd-testbed flags/custom-ops.json.
/// </summary>
public sealed class FlagdFractionalTests
{
    private static readonly FractionalBucket[] Suits =
        [new("clubs", 25), new("diamonds", 25), new("hearts", 25), new("spades", 25)];

    // targeting.feature "Fractional operator hash edge cases": keys whose MurmurHash3 x86-32 (seed 0) is exactly 0, 1,
    // i32::MAX, i32::MAX + 1 and u32::MAX.
    [Theory]
    [InlineData("ejOoVL", 0u)]
    [InlineData("bY9fO-", 1u)]
    [InlineData("SI7p-", 2147483647u)]
    [InlineData("6LvT0", 2147483648u)]
    [InlineData("ceQdGm", 4294967295u)]
    public void The_hash_is_murmur3_x86_32_with_seed_0(string key, uint hash) => Assert.Equal(hash, FlagdFractional.Hash(key));

    // Same scenario: fractional-hash-edge-flag buckets by {"var":"targetingKey"} into lower 50 / upper 50.
    [Theory]
    [InlineData("ejOoVL", "lower")]
    [InlineData("bY9fO-", "lower")]
    [InlineData("SI7p-", "lower")]
    [InlineData("6LvT0", "upper")]
    [InlineData("ceQdGm", "upper")]
    public void The_hash_edges_fall_into_the_buckets_flagd_puts_them_in(string key, string variant) =>
        Assert.Equal(variant, FlagdFractional.Variant(key, [new("lower", 50), new("upper", 50)]));

    // "Fractional operator shorthand": fractional-flag-shorthand is [["heads"],["tails",1]], bucketed by flag key + targeting key.
    // Its variants are strings in flagd-testbed; here they are booleans, the only kind the demo service serves (bucketing ignores values).
    [Theory]
    [InlineData("jon@company.com", "heads")]
    [InlineData("jane@company.com", "tails")]
    public void The_shorthand_buckets_by_flag_key_and_targeting_key(string targetingKey, string variant)
    {
        var document = """
            {"flags":{"fractional-flag-shorthand":{"state":"ENABLED","variants":{"heads":true,"tails":false,"draw":false},
             "defaultVariant":"draw","targeting":{"fractional":[["heads"],["tails",1]]}}}}
            """;

        var evaluation = FlagdFlagFile.Evaluate(document, "fractional-flag-shorthand", targetingKey);

        Assert.Equal((variant, "TARGETING_MATCH"), (evaluation.Variant, evaluation.Reason));
    }

    // "Fractional operator" v2: fractional-flag buckets by cat($flagd.flagKey, user.name) into four suits of 25.
    [Theory]
    [InlineData("jack", "hearts")]
    [InlineData("queen", "spades")]
    [InlineData("ten", "clubs")]
    [InlineData("nine", "diamonds")]
    [InlineData("3", "clubs")]
    public void Four_even_buckets_match_flagds_answers(string name, string suit) =>
        Assert.Equal(suit, FlagdFractional.Variant("fractional-flag" + name, Suits));

    // "Fractional operator with shared seed" v2: cat("shared-seed", user.name).
    [Theory]
    [InlineData("seven", "hearts")]
    [InlineData("eight", "diamonds")]
    [InlineData("nine", "clubs")]
    [InlineData("two", "spades")]
    public void A_shared_seed_matches_flagds_answers(string name, string suit) =>
        Assert.Equal(suit, FlagdFractional.Variant("shared-seed" + name, Suits));

    [Fact]
    public void Weights_that_add_up_to_nothing_choose_no_variant() =>
        Assert.Null(FlagdFractional.Variant("anyone", [new("on", 0), new("off", 0)]));

    /// <summary>The release's split p / 100 - p: over many users the share on the new variant converges to p%.</summary>
    [Fact]
    public void The_share_of_users_on_the_rolled_out_variant_converges_to_its_weight()
    {
        const int users = 20_000;
        Gen.Select(Gen.Int[1, 99], Gen.String[Gen.Char.AlphaNumeric, 1, 20], Gen.String[Gen.Char.AlphaNumeric, 0, 8])
            .Sample((percent, flagKey, salt) =>
            {
                FractionalBucket[] rollout = [new("on", percent), new("off", 100 - percent)];
                var on = Enumerable.Range(0, users).Count(u => FlagdFractional.Variant(FlagdFractional.BucketingValue(flagKey, $"{salt}user-{u}"), rollout) == "on");
                // 0.02 is over 5.6 standard deviations of a share of 20,000 users (at most 0.0035).
                return Math.Abs(on / (double)users - percent / 100.0) < 0.02;
            }, iter: 40);
    }

    /// <summary>Any weights: each variant's share converges to its weight over the total.</summary>
    [Fact]
    public void Every_variants_share_converges_to_its_weight_over_the_total()
    {
        const int users = 20_000;
        Gen.Int[0, 60].Array[2, 5].Where(w => w.Sum() > 0)
            .Sample(weights =>
            {
                var buckets = weights.Select((w, i) => new FractionalBucket($"v{i}", w)).ToArray();
                var counts = new int[weights.Length];
                for (var u = 0; u < users; u++)
                {
                    counts[int.Parse(FlagdFractional.Variant($"flag{u}", buckets)![1..], System.Globalization.CultureInfo.InvariantCulture)]++;
                }

                double total = weights.Sum();
                return weights.Select((w, i) => Math.Abs(counts[i] / (double)users - w / total)).All(d => d < 0.02);
            }, iter: 40);
    }

    /// <summary>A user on the new variant at p% stays on it at any larger share: 10% → 50% only adds users.</summary>
    [Fact]
    public void Raising_the_rollout_keeps_every_user_who_already_had_the_new_variant()
    {
        Gen.Select(Gen.Int[1, 99], Gen.Int[1, 99], Gen.String[Gen.Char.AlphaNumeric, 1, 30])
            .Where((p, q, _) => p < q)
            .Sample((p, q, user) =>
            {
                var key = FlagdFractional.BucketingValue("new-checkout", user);
                var atP = FlagdFractional.Variant(key, [new("on", p), new("off", 100 - p)]);
                var atQ = FlagdFractional.Variant(key, [new("on", q), new("off", 100 - q)]);
                return atP != "on" || atQ == "on";
            });
    }
}
