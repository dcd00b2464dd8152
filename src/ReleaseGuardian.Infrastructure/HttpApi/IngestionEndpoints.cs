using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion.CloudEvents;

namespace ReleaseGuardian.Infrastructure.HttpApi;

/// <summary>
/// The inbound doors as HTTP answers: flag-service webhooks, load-test results and CloudEvents. Authenticated by each
/// sender's signature inside <see cref="IngestionService"/>, not by the management key.
/// </summary>
public sealed class IngestionEndpoints(IngestionService ingestion)
{
    /// <summary><c>POST /api/webhooks/flags/{provider}</c>.</summary>
    public async Task<ApiResponse> FlagWebhookAsync(string provider, WebhookRequest request, CheckStatusPayload checkStatus, CancellationToken cancellationToken) =>
        ToResponse(await ingestion.IngestFlagWebhookAsync(provider, request, cancellationToken), checkStatus);

    /// <summary><c>POST /api/webhooks/loadtests/{tool}</c>.</summary>
    public async Task<ApiResponse> LoadTestWebhookAsync(string tool, WebhookRequest request, CheckStatusPayload checkStatus, CancellationToken cancellationToken) =>
        ToResponse(await ingestion.IngestLoadTestAsync(tool, request, cancellationToken), checkStatus);

    /// <summary><c>POST /api/events</c>.</summary>
    public async Task<ApiResponse> CloudEventsAsync(WebhookRequest request, CheckStatusPayload checkStatus, CancellationToken cancellationToken) =>
        ToResponse(await ingestion.IngestCloudEventsAsync(request, cancellationToken), checkStatus);

    /// <summary><c>OPTIONS /api/events</c>: the CloudEvents webhook validation handshake.</summary>
    public static ApiResponse ValidationHandshake(WebhookRequest request)
    {
        var answer = CloudEventsReader.AnswerValidationRequest(request);
        if (answer.Problem is not null)
        {
            return ApiResponse.Problem(answer.Problem);
        }

        var response = ApiResponse.Empty(200);
        foreach (var (name, value) in answer.Headers)
        {
            response = response.WithHeader(name, value);
        }

        return response;
    }

    /// <summary>The HTTP answer to an ingestion result.</summary>
    public static ApiResponse ToResponse(IngestResult result, CheckStatusPayload checkStatus) => result switch
    {
        IngestResult.Rejected rejected => ApiResponse.Problem(rejected.Problem),
        IngestResult.Handshake handshake => ApiResponse.RawJson(handshake.ResponseJson),
        IngestResult.Ignored ignored => ApiResponse.Json(new { status = "ignored", reason = ignored.Reason }, 202),
        IngestResult.Accepted accepted => Accepted(accepted, checkStatus),
        _ => ApiResponse.Empty(500),
    };

    private static ApiResponse Accepted(IngestResult.Accepted accepted, CheckStatusPayload checkStatus)
    {
        var events = accepted.Events.Select(e => new
        {
            type = e.Type,
            source = e.Source,
            id = e.Id,
            guardian = e.GuardianId,
            instanceId = e.InstanceId,
            statusQueryGetUri = e.InstanceId is null ? null : CheckStatusJson.Of(checkStatus, e.InstanceId).StatusQueryGetUri,
        }).ToList();
        return ApiResponse.Json(new { status = "accepted", count = events.Count, events }, 202);
    }
}
