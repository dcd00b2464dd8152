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
        var api = app.MapGroup("/").WithTags("Ingestion");
        api.MapPost(HttpRoutes.FlagWebhook, (string provider, HttpContext http, IngestionEndpoints ingestion) =>
                ApiExchange.RespondAsync(http, request => ingestion.FlagWebhookAsync(provider, request, ApiExchange.CheckStatusFor(http.Request), http.RequestAborted)))
            .WithName("FlagWebhook")
            .WithSummary("A flag service's change webhook (launchdarkly, unleash, split, growthbook, flagsmith, configcat, gofeatureflag, azureappconfig), verified by its signature or shared secret.")
            .Query("secret", "The shared secret, for the services that send it in the URL (split, azureappconfig).")
            .Body<System.Text.Json.JsonElement>("The service's own webhook body, as it sends it.")
            .Ingestion("provider: the flag service is not one this host knows");

        // The run's identity parameters (Infrastructure's RunIdentity), each also taken as an X-Guardian-* header.
        api.MapPost(HttpRoutes.LoadTestWebhook, (string tool, HttpContext http, IngestionEndpoints ingestion) =>
                ApiExchange.RespondAsync(http, request => ingestion.LoadTestWebhookAsync(tool, request, ApiExchange.CheckStatusFor(http.Request), http.RequestAborted)))
            .WithName("LoadTestWebhook")
            .WithSummary("A load-test tool's result (k6, jmeter, gatling, locust, artillery, azureloadtesting), verified by its signature; starts the release workflow.")
            .Body<System.Text.Json.JsonElement>("The tool's own summary or report, as it writes it (e.g. k6 handleSummary JSON).")
            .Query("guardian", "The guardian the run is for (or header X-Guardian-Id); else give service and flag.")
            .Query("service", "The service under test, with flag (or header X-Guardian-Service).")
            .Query("flag", "The flag under test, with service (or header X-Guardian-Flag).")
            .Query("purpose", "training or validation (or header X-Guardian-Purpose).")
            .Query("start", "The window's start, ISO 8601, when the result does not carry it (or header X-Guardian-Window-Start).")
            .Query("end", "The window's end, ISO 8601 (or header X-Guardian-Window-End).")
            .Query("testId", "The test's id, when the result does not carry it (or header X-Guardian-Test-Id); default a hash of the body.")
            .Ingestion("tool or guardian: the load-test tool or the guardian is unknown");

        api.MapPost(HttpRoutes.Events, (HttpContext http, IngestionEndpoints ingestion) =>
                ApiExchange.RespondAsync(http, request => ingestion.CloudEventsAsync(request, ApiExchange.CheckStatusFor(http.Request), http.RequestAborted)))
            .WithName("CloudEvents")
            .WithSummary("CloudEvents 1.0 in structured (application/cloudevents+json), binary (ce-* headers) or batch (application/cloudevents-batch+json) mode; a batch is stored whole or not at all.")
            .Body<System.Text.Json.JsonElement>("One event (structured), an array of events (batch), or the data with ce-* headers (binary).",
                "application/cloudevents+json", "application/cloudevents-batch+json", ApiDocumentation.Json)
            .Ingestion("guardian: an event names a guardian that does not exist");

        // Cast: a lambda taking only HttpContext would bind as a RequestDelegate and drop the result.
        api.MapMethods(HttpRoutes.Events, ["OPTIONS"], (Delegate)((HttpContext http) =>
                ApiExchange.RespondAsync(http, request => Task.FromResult(IngestionEndpoints.ValidationHandshake(request)))))
            .WithName("CloudEventsValidation")
            .WithSummary("The CloudEvents HTTP webhook validation handshake (WebHook-Request-Origin in, WebHook-Allowed-Origin out).")
            .ReturnsEmpty(StatusCodes.Status200OK, "The origin is allowed: WebHook-Allowed-Origin and WebHook-Allowed-Rate are set.")
            .Problem(StatusCodes.Status400BadRequest, "WebHook-Request-Origin is missing.");
        return app;
    }

    private static RouteHandlerBuilder Ingestion(this RouteHandlerBuilder builder, string notFound) =>
        builder
            .Returns<IngestAnswer>(StatusCodes.Status202Accepted, "Verified: stored (status accepted, with the events and any started workflow) or deliberately not (status ignored, with the reason).")
            .Returns<System.Text.Json.JsonElement>(StatusCodes.Status200OK, "A sender's subscription validation handshake, answered as the sender expects (e.g. Event Grid's validationResponse).")
            .Problem(StatusCodes.Status400BadRequest, "The body or a parameter is malformed; field names it. Nothing is stored.")
            .Problem(StatusCodes.Status401Unauthorized, "The signature or shared secret is missing or wrong, or its timestamp is stale.")
            .Problem(StatusCodes.Status404NotFound, notFound + ".")
            .Problem(StatusCodes.Status415UnsupportedMediaType, "The media type (or a CloudEvent's datacontenttype) is not one this route reads.")
            .TooLarge();
}
