using System.Text;
using CsCheck;
using ReleaseGuardian.Infrastructure.Ingestion;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion;

public sealed class HmacSignatureTests
{
    [Fact]
    public void The_hex_signature_matches_the_published_HMAC_SHA256_test_vector()
    {
        // RFC 4231 test case 2.
        var hex = HmacSignature.ComputeHex("Jefe", Encoding.ASCII.GetBytes("what do ya want for nothing?"));
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", hex);
    }

    [Fact]
    public void A_signature_verifies_for_its_own_payload_and_for_no_altered_payload()
    {
        Gen.Select(Gen.String, Gen.Byte.Array[1, 200]).Sample((secret, body) =>
        {
            var hex = HmacSignature.ComputeHex(secret, body);
            var b64 = HmacSignature.ComputeBase64(secret, body);
            var tampered = (byte[])body.Clone();
            tampered[0] ^= 0x01;

            return HmacSignature.MatchesHex(secret, body, hex)
                && HmacSignature.MatchesHex(secret, body, hex.ToUpperInvariant())
                && HmacSignature.MatchesBase64(secret, body, b64)
                && !HmacSignature.MatchesHex(secret, tampered, hex)
                && !HmacSignature.MatchesBase64(secret, tampered, b64)
                && !HmacSignature.MatchesHex(secret + "x", body, hex);
        });
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-hex")]
    [InlineData("zz")]
    public void A_missing_or_malformed_signature_never_verifies(string? presented)
    {
        Assert.False(HmacSignature.MatchesHex("secret", "{}"u8, presented));
        Assert.False(HmacSignature.MatchesBase64("secret", "{}"u8, presented));
    }
}
