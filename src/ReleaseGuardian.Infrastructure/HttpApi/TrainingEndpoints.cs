using System.Text.Json;
using ReleaseGuardian.Application.Guardians;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Training;

namespace ReleaseGuardian.Infrastructure.HttpApi;

/// <summary>Baseline training as HTTP answers, for both hosts; management routes.</summary>
public sealed class TrainingEndpoints(GuardianService guardians, ITrainingScheduler training, TimeProvider clock)
{
    /// <summary>The most runs one training may ask for, and the longest wait for one result.</summary>
    public const int MaxRuns = 100;

    /// <inheritdoc cref="MaxRuns"/>
    public const int MaxTimeoutMinutes = 24 * 60;

    /// <summary>
    /// <c>POST /api/guardians/{id}/training</c> with <c>{"runs"?: training.minRuns, "timeoutMinutes"?: 30}</c>: starts the
    /// BaselineTraining orchestration and answers 202 with the check-status payload, as evaluations do.
    /// </summary>
    public async Task<ApiResponse> StartAsync(string id, WebhookRequest request, CheckStatusPayload checkStatus, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(checkStatus);
        JsonElement? body = null;
        if (!request.Body.IsEmpty)
        {
            try
            {
                using var document = JsonDocument.Parse(request.Body);
                body = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                return ApiResponse.Problem(400, "$", $"the body is not valid JSON: {e.Message}");
            }

            if (body.Value.ValueKind != JsonValueKind.Object)
            {
                return ApiResponse.Problem(400, "$", "send a JSON object: {\"runs\":5,\"timeoutMinutes\":30}");
            }
        }

        var (runs, runsProblem) = Integer(body, "runs", 1, MaxRuns);
        if (runsProblem is not null)
        {
            return runsProblem;
        }

        var (timeout, timeoutProblem) = Integer(body, "timeoutMinutes", 1, MaxTimeoutMinutes);
        if (timeoutProblem is not null)
        {
            return timeoutProblem;
        }

        var guardian = await guardians.FindAsync(id, cancellationToken);
        if (guardian is null)
        {
            return ApiResponse.NotFound("id", $"no guardian '{id}'");
        }

        if (guardian.LoadTest is null)
        {
            return ApiResponse.Problem(409, "loadTest", $"guardian '{id}' has no loadTest section, so nothing can launch its training runs");
        }

        var instanceId = TrainingRuns.NewInstanceId(id, clock.GetUtcNow());
        await training.StartAsync(instanceId, new TrainingRequest(id, runs ?? guardian.Training.MinRuns, timeout ?? 30), cancellationToken);
        var (payload, statusUri) = CheckStatusJson.Of(checkStatus, instanceId);
        var response = ApiResponse.Json(payload, 202);
        return statusUri is null ? response : response.WithHeader("Location", statusUri);
    }

    /// <summary><c>POST /api/guardians/{id}/training/{instanceId}/cancel</c>: terminates a running training.</summary>
    public async Task<ApiResponse> CancelAsync(string id, string instanceId, CancellationToken cancellationToken)
    {
        if (!TrainingRuns.IsInstanceOf(id, instanceId))
        {
            return ApiResponse.NotFound("instanceId", $"'{instanceId}' is not a training of guardian '{id}'");
        }

        return await training.CancelAsync(instanceId, "cancelled through the API", cancellationToken)
            ? ApiResponse.Json(new { guardian = id, instanceId, cancelled = true }, 202)
            : ApiResponse.NotFound("instanceId", $"no running training '{instanceId}'");
    }

    private static (int? Value, ApiResponse? Problem) Integer(JsonElement? body, string name, int min, int max)
    {
        if (body is not { } json || !json.TryGetProperty(name, out var value))
        {
            return (null, null);
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min && number <= max
            ? (number, null)
            : (null, ApiResponse.Problem(400, name, $"must be a whole number from {min} to {max}"));
    }
}
