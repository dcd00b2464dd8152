using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.HttpApi;

namespace ReleaseGuardian.Functions.Http;

/// <summary>
/// The Functions side of the shared HTTP contract, the twin of the standalone server's <c>ApiExchange</c>: reads the
/// ASP.NET Core request into a <see cref="WebhookRequest"/>, lets an Infrastructure endpoint answer, and returns its
/// <see cref="ApiResponse"/> as written bytes.
/// </summary>
internal static class HttpExchange
{
    /// <summary>An open route (authenticated by the sender's signature inside the use case).</summary>
    public static async Task<IActionResult> RespondAsync(HttpRequest http, Func<WebhookRequest, Task<ApiResponse>> answer)
    {
        var response = await ApiRequestReader.AnswerAsync(
            http.Body, http.ContentLength, http.ContentType, http.Headers, http.Query, answer, http.HttpContext.RequestAborted);
        if (response is null)
        {
            // The client is gone: nobody to answer, and not an error of ours.
            http.HttpContext.Abort();
            return new EmptyResult();
        }

        return new ApiResponseResult(response);
    }

    /// <summary>A management route: also checks <c>Guardian:ApiKey</c>, as the standalone server does.</summary>
    public static Task<IActionResult> ManagementAsync(HttpRequest http, ManagementKey key, Func<WebhookRequest, Task<ApiResponse>> answer) =>
        key.Refuse(http.Headers[ManagementKey.HeaderName], http.Query[ManagementKey.QueryName]) is { } refusal
            ? Task.FromResult<IActionResult>(new ApiResponseResult(refusal))
            : RespondAsync(http, answer);

    /// <summary>Check-status payloads with the Durable extension's own URLs (they carry the system key).</summary>
    public static CheckStatusPayload CheckStatusFor(DurableTaskClient client) => instanceId => client.CreateHttpManagementPayload(instanceId);
}

/// <summary>
/// Writes an <see cref="ApiResponse"/> as it is: the bytes equal the standalone host's, and nothing depends on MVC's
/// result executors (<c>ObjectResult</c> and friends) being registered in the worker.
/// </summary>
internal sealed class ApiResponseResult(ApiResponse response) : IActionResult
{
    public async Task ExecuteResultAsync(ActionContext context)
    {
        var http = context.HttpContext.Response;
        http.StatusCode = response.StatusCode;
        foreach (var (name, value) in response.Headers)
        {
            http.Headers[name] = value;
        }

        if (response.ContentType is not null)
        {
            http.ContentType = response.ContentType;
            await http.WriteAsync(response.Body, context.HttpContext.RequestAborted);
        }
    }
}
