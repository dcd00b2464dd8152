using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.HttpApi;
using ReleaseGuardian.Server.Apis;

namespace ReleaseGuardian.Server.Http;

/// <summary>
/// The standalone host's side of the shared HTTP contract: reads the request into a host-neutral
/// <see cref="WebhookRequest"/>, lets an Infrastructure endpoint answer, and writes its <see cref="ApiResponse"/>.
/// </summary>
internal static class ApiExchange
{
    public static async Task<IResult> RespondAsync(HttpContext http, Func<WebhookRequest, Task<ApiResponse>> answer)
    {
        var request = http.Request;
        var response = await ApiRequestReader.AnswerAsync(
            request.Body, request.ContentLength, request.ContentType, request.Headers, request.Query, answer, http.RequestAborted);
        if (response is null)
        {
            // The client is gone: nobody to answer, and not an error of ours.
            http.Abort();
            return Results.Empty;
        }

        return new ApiResult(response);
    }

    /// <summary>Check-status payloads with this host's URLs, built from the request.</summary>
    public static CheckStatusPayload CheckStatusFor(HttpRequest request) => instanceId => CheckStatus.Payload(request, instanceId);
}

/// <summary>Writes an <see cref="ApiResponse"/> as it is: status, headers, content type and body.</summary>
internal sealed class ApiResult(ApiResponse response) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var http = httpContext.Response;
        http.StatusCode = response.StatusCode;
        foreach (var (name, value) in response.Headers)
        {
            http.Headers[name] = value;
        }

        if (response.ContentType is not null)
        {
            http.ContentType = response.ContentType;
            await http.WriteAsync(response.Body, httpContext.RequestAborted);
        }
    }
}
