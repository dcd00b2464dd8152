using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace ReleaseGuardian.Infrastructure.HttpApi;

/// <summary>
/// The management API key (<c>Guardian:ApiKey</c>), presented the way Azure Functions takes function keys: the
/// <c>x-functions-key</c> header or the <c>code</c> query parameter. With no key configured, management routes are
/// refused rather than left open.
/// </summary>
public sealed class ManagementKey(IConfiguration configuration)
{
    /// <summary>The header that carries the key.</summary>
    public const string HeaderName = "x-functions-key";

    /// <summary>The query parameter that carries the key.</summary>
    public const string QueryName = "code";

    /// <summary>The 401 problem for a request without the right key, or null when the key is right.</summary>
    public ApiResponse? Refuse(string? headerValue, string? queryValue)
    {
        var expected = configuration["Guardian:ApiKey"];
        if (string.IsNullOrEmpty(expected))
        {
            return ApiResponse.Problem(401, "Guardian:ApiKey", "no management API key is configured; set Guardian:ApiKey (Guardian__ApiKey)");
        }

        var presented = string.IsNullOrEmpty(headerValue) ? queryValue : headerValue;
        if (string.IsNullOrEmpty(presented))
        {
            return ApiResponse.Problem(401, HeaderName, "the API key is missing; send it in the x-functions-key header or the code query parameter");
        }

        var (left, right) = ComparedForms(expected, presented);
        return CryptographicOperations.FixedTimeEquals(left, right)
            ? null
            : ApiResponse.Problem(401, HeaderName, "the API key is wrong");
    }

    /// <summary>
    /// What is compared: the SHA-256 digests of both keys. <see cref="CryptographicOperations.FixedTimeEquals"/>
    /// answers at once when its inputs differ in length, which would tell a caller the key's length; digests never do.
    /// </summary>
    internal static (byte[] Expected, byte[] Presented) ComparedForms(string expected, string presented) =>
        (SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
}
