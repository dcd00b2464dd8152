using System.Security.Cryptography;
using System.Text;

namespace ReleaseGuardian.Infrastructure.Ingestion;

/// <summary>
/// HMAC-SHA256 over raw request bytes, compared in constant time. Every webhook adapter verifies through
/// here so that no adapter compares signatures with <c>==</c>.
/// </summary>
public static class HmacSignature
{
    /// <summary>HMAC-SHA256 of <paramref name="payload"/> under <paramref name="secret"/> (UTF-8).</summary>
    public static byte[] Compute(string secret, ReadOnlySpan<byte> payload) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload);

    /// <summary>Lowercase hex HMAC-SHA256.</summary>
    public static string ComputeHex(string secret, ReadOnlySpan<byte> payload) =>
        Convert.ToHexStringLower(Compute(secret, payload));

    /// <summary>Base64 HMAC-SHA256.</summary>
    public static string ComputeBase64(string secret, ReadOnlySpan<byte> payload) =>
        Convert.ToBase64String(Compute(secret, payload));

    /// <summary>True when <paramref name="presentedHex"/> (either case) is the hex HMAC of the payload.</summary>
    public static bool MatchesHex(string secret, ReadOnlySpan<byte> payload, string? presentedHex)
    {
        if (string.IsNullOrEmpty(presentedHex) || presentedHex.Length != 64)
        {
            return false;
        }

        byte[] presented;
        try
        {
            presented = Convert.FromHexString(presentedHex);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Compute(secret, payload), presented);
    }

    /// <summary>True when <paramref name="presentedBase64"/> is the base64 HMAC of the payload.</summary>
    public static bool MatchesBase64(string secret, ReadOnlySpan<byte> payload, string? presentedBase64)
    {
        if (string.IsNullOrEmpty(presentedBase64))
        {
            return false;
        }

        var presented = new byte[32];
        if (!Convert.TryFromBase64String(presentedBase64.Trim(), presented, out var written) || written != 32)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Compute(secret, payload), presented);
    }

    /// <summary>Constant-time comparison of two shared-secret strings (e.g. Unleash's Authorization header).</summary>
    public static bool SecretsEqual(string expected, string? presented) =>
        presented is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(presented));
}
