using System.Text;
using CsCheck;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion;

public sealed class GuardianSignatureTests
{
    private const string Secret = "s3cr3t-for-k6";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"metrics":{"http_reqs":{"values":{"count":10}}}}""");

    private static WebhookRequest Signed(byte[] body, string? signature) =>
        new(body, signature is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["x-guardian-signature"] = signature }, new Dictionary<string, string>(), "application/json");

    [Fact]
    public void The_header_value_is_sha256_and_the_lowercase_hex_HMAC_of_the_raw_body()
    {
        // Same as: printf 'what do ya want for nothing?' | openssl dgst -sha256 -hmac Jefe (RFC 4231 case 2).
        Assert.Equal(
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            GuardianSignature.Sign("Jefe", "what do ya want for nothing?"u8));
    }

    [Fact]
    public void A_correctly_signed_body_is_accepted()
    {
        Assert.Null(GuardianSignature.Verify(Signed(Body, GuardianSignature.Sign(Secret, Body)), new WebhookSecurity(Secret), "k6"));
    }

    [Fact]
    public void A_tampered_body_is_rejected_with_401()
    {
        var signature = GuardianSignature.Sign(Secret, Body);
        var tampered = (byte[])Body.Clone();
        tampered[^3] = (byte)'9';

        var problem = GuardianSignature.Verify(Signed(tampered, signature), new WebhookSecurity(Secret), "k6");

        Assert.NotNull(problem);
        Assert.Equal(401, problem.StatusCode);
        Assert.Equal(GuardianSignature.HeaderName, problem.Field);
        Assert.DoesNotContain(signature[7..], problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_signature_made_with_another_secret_is_rejected_with_401()
    {
        var problem = GuardianSignature.Verify(Signed(Body, GuardianSignature.Sign("other", Body)), new WebhookSecurity(Secret), "k6");
        Assert.Equal(401, problem?.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData("sha1=5bdcc146bf60754e6a042426089575c75a003f08")]
    [InlineData("sha256=zz")]
    public void A_missing_or_malformed_signature_is_rejected_with_401_when_a_secret_is_set(string? signature)
    {
        var problem = GuardianSignature.Verify(Signed(Body, signature), new WebhookSecurity(Secret, AllowUnsigned: true), "k6");
        Assert.NotNull(problem);
        Assert.Equal(401, problem.StatusCode);
        Assert.Equal("X-Guardian-Signature", problem.Field);
    }

    [Fact]
    public void Without_a_secret_an_unsigned_delivery_is_accepted_only_when_allowed()
    {
        Assert.Null(GuardianSignature.Verify(Signed(Body, null), new WebhookSecurity(null, AllowUnsigned: true), "k6"));

        var problem = GuardianSignature.Verify(Signed(Body, null), WebhookSecurity.None, "k6");
        Assert.NotNull(problem);
        Assert.Equal(401, problem.StatusCode);
        Assert.Equal("X-Guardian-Signature", problem.Field);
        Assert.Contains("Webhooks:k6:Secret", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_body_verifies_under_its_own_signature_and_no_flipped_bit_does()
    {
        Gen.Select(Gen.String[1, 40], Gen.Byte.Array[1, 300], Gen.Int[0, 2399]).Sample((secret, body, bit) =>
        {
            var signature = GuardianSignature.Sign(secret, body);
            var flipped = (byte[])body.Clone();
            flipped[bit / 8 % flipped.Length] ^= (byte)(1 << (bit % 8));
            return GuardianSignature.Verify(Signed(body, signature), new WebhookSecurity(secret), "events") is null
                && GuardianSignature.Verify(Signed(flipped, signature), new WebhookSecurity(secret), "events") is { StatusCode: 401 };
        });
    }
}
