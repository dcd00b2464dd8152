using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Infrastructure.HttpApi;
using ReleaseGuardian.Server.Http;

namespace ReleaseGuardian.Server.Apis;

/// <summary>
/// The inbound doors: flag-service webhooks, load-test results and CloudEvents. They are authenticated by
/// each sender's signature (not the management key), so they are open routes.
/// </summary>
internal static class IngestionApi
{
    public static IEndpointRouteBuilder MapIngestionApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/" + HttpRoutes.FlagWebhook, (string provider, HttpContext http, IngestionEndpoints ingestion) =>
            ApiExchange.RespondAsync(http, request => ingestion.FlagWebhookAsync(provider, request, ApiExchange.CheckStatusFor(http.Request), http.RequestAborted)));

        app.MapPost("/" + HttpRoutes.LoadTestWebhook, (string tool, HttpContext http, IngestionEndpoints ingestion) =>
            ApiExchange.RespondAsync(http, request => ingestion.LoadTestWebhookAsync(tool, request, ApiExchange.CheckStatusFor(http.Request), http.RequestAborted)));

        app.MapPost("/" + HttpRoutes.Events, (HttpContext http, IngestionEndpoints ingestion) =>
            ApiExchange.RespondAsync(http, request => ingestion.CloudEventsAsync(request, ApiExchange.CheckStatusFor(http.Request), http.RequestAborted)));

        // Cast: a lambda taking only HttpContext would bind as a RequestDelegate and drop the result.
        app.MapMethods("/" + HttpRoutes.Events, ["OPTIONS"], (Delegate)((HttpContext http) =>
            ApiExchange.RespondAsync(http, request => Task.FromResult(IngestionEndpoints.ValidationHandshake(request)))));
        return app;
    }
}
