using System.Security.Cryptography;
using System.Text;

namespace ReleaseGuardian.Server.Http;

/// <summary>
/// Protects management routes the way Azure Functions' <c>AuthorizationLevel.Function</c> does: the key from
/// configuration <c>Guardian:ApiKey</c> must arrive in the <c>x-functions-key</c> header or the <c>code</c>
/// query parameter. With no key configured, management routes are refused rather than left open.
/// </summary>
internal sealed class ApiKeyFilter(IConfiguration configuration) : IEndpointFilter
{
    public const string HeaderName = "x-functions-key";
    public const string QueryName = "code";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = configuration["Guardian:ApiKey"];
        if (string.IsNullOrEmpty(expected))
        {
            return Problems.Of(401, "Guardian:ApiKey", "no management API key is configured; set Guardian:ApiKey (Guardian__ApiKey)");
        }

        var request = context.HttpContext.Request;
        string? presented = request.Headers[HeaderName];
        if (string.IsNullOrEmpty(presented))
        {
            presented = request.Query[QueryName];
        }

        if (string.IsNullOrEmpty(presented))
        {
            return Problems.Of(401, HeaderName, "the API key is missing; send it in the x-functions-key header or the code query parameter");
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(presented)))
        {
            return Problems.Of(401, HeaderName, "the API key is wrong");
        }

        return await next(context);
    }
}
