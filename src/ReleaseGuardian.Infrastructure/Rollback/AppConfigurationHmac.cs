using System.Security.Cryptography;
using System.Text;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Azure App Configuration's HMAC-SHA256 request signing: <c>x-ms-date</c>, <c>x-ms-content-sha256</c> and
/// <c>Authorization: HMAC-SHA256 Credential=..&amp;SignedHeaders=x-ms-date;host;x-ms-content-sha256&amp;Signature=..</c>,
/// the signature being the base64 HMAC (key = base64-decoded secret) of <c>VERB\npath_and_query\ndate;host;hash</c>.
/// </summary>
internal static class AppConfigurationHmac
{
    public const string SignedHeaders = "x-ms-date;host;x-ms-content-sha256";

    public static string StringToSign(string method, string pathAndQuery, string date, string host, string contentHash) =>
        $"{method.ToUpperInvariant()}\n{pathAndQuery}\n{date};{host};{contentHash}";

    public static string ContentHash(ReadOnlySpan<byte> body) => Convert.ToBase64String(SHA256.HashData(body));

    public static string Signature(string base64Secret, string stringToSign) =>
        Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(base64Secret), Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>Adds the three headers to <paramref name="request"/> for <paramref name="body"/> (empty for a GET).</summary>
    public static void Sign(HttpRequestMessage request, string credential, string base64Secret, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        var date = now.ToUniversalTime().ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        var hash = ContentHash(body);
        var signature = Signature(base64Secret, StringToSign(request.Method.Method, uri.PathAndQuery, date, uri.Authority, hash));
        request.Headers.TryAddWithoutValidation("x-ms-date", date);
        request.Headers.TryAddWithoutValidation("x-ms-content-sha256", hash);
        request.Headers.TryAddWithoutValidation("Authorization", $"HMAC-SHA256 Credential={credential}&SignedHeaders={SignedHeaders}&Signature={signature}");
    }
}
