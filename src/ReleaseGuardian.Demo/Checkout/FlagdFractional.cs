using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace ReleaseGuardian.Demo.Checkout;

/// <summary>One entry of a flagd <c>fractional</c> rule: a variant and its weight.</summary>
/// <param name="Variant">The variant served to this bucket's users.</param>
/// <param name="Weight">Its weight (flagd: a whole number, 1 when left out).</param>
public readonly record struct FractionalBucket(string Variant, int Weight);

/// <summary>
/// flagd's <c>fractional</c> operator, bucketed as flagd buckets it (open-feature/flagd core/pkg/evaluator/fractional.go):
/// the bucketing value is the rule's own string when it names one, else the flag key followed by the targeting key;
/// its MurmurHash3 x86 32-bit hash (seed 0, over the UTF-8 bytes, Go's <c>murmur3.StringSum32</c>) is mapped onto
/// [0, total weight) by <c>(hash * totalWeight) &gt;&gt; 32</c>, and the first entry whose running weight passes that
/// position wins. The same user therefore always gets the same variant of a flag, and a rollout from 10% to 50% keeps the
/// first 10% on the new variant.
/// </summary>
public static class FlagdFractional
{
    /// <summary>The bucketing value flagd uses when the rule names none: the flag key, then the targeting key.</summary>
    public static string BucketingValue(string flagKey, string targetingKey) => flagKey + targetingKey;

    /// <summary>
    /// The variant <paramref name="bucketingValue"/> falls into; null when the weights add up to 0 (flagd then serves the
    /// default variant).
    /// </summary>
    public static string? Variant(string bucketingValue, IReadOnlyList<FractionalBucket> buckets)
    {
        ArgumentNullException.ThrowIfNull(bucketingValue);
        ArgumentNullException.ThrowIfNull(buckets);
        long total = 0;
        foreach (var bucket in buckets)
        {
            total += Math.Max(0, bucket.Weight);
        }

        if (total == 0)
        {
            return null;
        }

        var position = ((ulong)Hash(bucketingValue) * (ulong)total) >> 32;
        ulong end = 0;
        foreach (var bucket in buckets)
        {
            end += (ulong)Math.Max(0, bucket.Weight);
            if (position < end)
            {
                return bucket.Variant;
            }
        }

        return null;
    }

    /// <summary>MurmurHash3 x86 32-bit, seed 0, of the string's UTF-8 bytes.</summary>
    /// <remarks>Written here because no package on the feed carries MurmurHash3 and System.IO.Hashing has none.</remarks>
    public static uint Hash(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Murmur3(Encoding.UTF8.GetBytes(value));
    }

    private static uint Murmur3(ReadOnlySpan<byte> data)
    {
        const uint c1 = 0xcc9e2d51;
        const uint c2 = 0x1b873593;
        uint h = 0;
        var blocks = data.Length / 4;
        for (var i = 0; i < blocks; i++)
        {
            var k = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i * 4, 4));
            k *= c1;
            k = BitOperations.RotateLeft(k, 15);
            k *= c2;
            h ^= k;
            h = BitOperations.RotateLeft(h, 13);
            h = (h * 5) + 0xe6546b64;
        }

        var tail = data[(blocks * 4)..];
        uint t = 0;
        switch (tail.Length)
        {
            case 3:
                t ^= (uint)tail[2] << 16;
                goto case 2;
            case 2:
                t ^= (uint)tail[1] << 8;
                goto case 1;
            case 1:
                t ^= tail[0];
                t *= c1;
                t = BitOperations.RotateLeft(t, 15);
                t *= c2;
                h ^= t;
                break;
        }

        h ^= (uint)data.Length;
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return h;
    }
}
