namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Providers whose API tokens go in Authorization as they are, without a scheme (LaunchDarkly access tokens, Unleash
/// admin tokens such as <c>*:*.secret</c>, which are not RFC 9110 credentials and would fail header validation).
/// </summary>
internal static class RawToken
{
    public static HttpRequestMessage Authorized(HttpRequestMessage request, string token)
    {
        request.Headers.TryAddWithoutValidation("Authorization", token);
        return request;
    }
}
