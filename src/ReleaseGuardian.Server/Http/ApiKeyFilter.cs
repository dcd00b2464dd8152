using ReleaseGuardian.Infrastructure.HttpApi;

namespace ReleaseGuardian.Server.Http;

/// <summary>
/// Protects management routes the way Azure Functions' <c>AuthorizationLevel.Function</c> does, with the shared
/// <see cref="ManagementKey"/> check (<c>Guardian:ApiKey</c> in <c>x-functions-key</c> or <c>?code=</c>).
/// </summary>
internal sealed class ApiKeyFilter(ManagementKey key) : IEndpointFilter
{
    public const string HeaderName = ManagementKey.HeaderName;
    public const string QueryName = ManagementKey.QueryName;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        return key.Refuse(request.Headers[HeaderName], request.Query[QueryName]) is { } refusal
            ? new ApiResult(refusal)
            : await next(context);
    }
}
