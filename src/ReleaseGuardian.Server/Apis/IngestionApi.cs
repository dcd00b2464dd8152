using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion.CloudEvents;
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
        app.MapPost("/" + HttpRoutes.FlagWebhook, (string provider, HttpContext http, IngestionService ingestion, CancellationToken ct) =>
            IngestAsync(http, request => ingestion.IngestFlagWebhookAsync(provider, request, ct), ct));

        app.MapPost("/" + HttpRoutes.LoadTestWebhook, (string tool, HttpContext http, IngestionService ingestion, CancellationToken ct) =>
            IngestAsync(http, request => ingestion.IngestLoadTestAsync(tool, request, ct), ct));

        app.MapPost("/" + HttpRoutes.Events, (HttpContext http, IngestionService ingestion, CancellationToken ct) =>
            IngestAsync(http, request => ingestion.IngestCloudEventsAsync(request, ct), ct));

        app.MapMethods("/" + HttpRoutes.Events, ["OPTIONS"], AnswerValidationAsync);
        return app;
    }

    private static async Task<IResult> IngestAsync(HttpContext http, Func<WebhookRequest, Task<IngestResult>> ingest, CancellationToken cancellationToken)
    {
        var (request, problem) = await WebhookRequestReader.ReadAsync(http.Request, cancellationToken);
        if (problem is not null)
        {
            return Problems.From(problem);
        }

        return ToHttp(http.Request, await ingest(request!));
    }

    /// <summary>The HTTP answer to an ingestion result; shared with the evaluation endpoint's shape.</summary>
    public static IResult ToHttp(HttpRequest http, IngestResult result) => result switch
    {
        IngestResult.Rejected rejected => Problems.From(rejected.Problem),
        IngestResult.Handshake handshake => Results.Text(handshake.ResponseJson, "application/json", statusCode: 200),
        IngestResult.Ignored ignored => Results.Json(new { status = "ignored", reason = ignored.Reason }, statusCode: 202),
        IngestResult.Accepted accepted => Accepted(http, accepted),
        _ => Results.StatusCode(500),
    };

    private static IResult Accepted(HttpRequest http, IngestResult.Accepted accepted)
    {
        var events = accepted.Events.Select(e => new
        {
            type = e.Type,
            source = e.Source,
            id = e.Id,
            guardian = e.GuardianId,
            instanceId = e.InstanceId,
            statusQueryGetUri = e.InstanceId is null ? null : CheckStatus.StatusUri(http, e.InstanceId),
        }).ToList();
        return Results.Json(new { status = "accepted", count = events.Count, events }, statusCode: 202);
    }

    private static async Task<IResult> AnswerValidationAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var (request, problem) = await WebhookRequestReader.ReadAsync(http.Request, cancellationToken);
        if (problem is not null)
        {
            return Problems.From(problem);
        }

        var answer = CloudEventsReader.AnswerValidationRequest(request!);
        if (answer.Problem is not null)
        {
            return Problems.From(answer.Problem);
        }

        foreach (var (name, value) in answer.Headers)
        {
            http.Response.Headers[name] = value;
        }

        return Results.Ok();
    }
}
