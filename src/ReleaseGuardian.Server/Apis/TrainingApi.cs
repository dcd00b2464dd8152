using System.Text.Json;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Infrastructure.HttpApi;
using ReleaseGuardian.Server.Http;

namespace ReleaseGuardian.Server.Apis;

/// <summary>Baseline training: start (202 with the check-status payload) and cancel; behind the API key.</summary>
internal static class TrainingApi
{
    public static IEndpointRouteBuilder MapTrainingApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/").RequireManagementKey().WithTags("Training");
        api.MapPost(HttpRoutes.Training, (string id, HttpContext http, TrainingEndpoints training) =>
                ApiExchange.RespondAsync(http, request => training.StartAsync(id, request, ApiExchange.CheckStatusFor(http.Request), http.RequestAborted)))
            .WithName("StartTraining").WithSummary("Starts the baseline training: launches each load test through the guardian's loadTest launcher and learns the thresholds.")
            .Body<JsonElement>("Optional: {\"runs\": training.minRuns, \"timeoutMinutes\": 30}.")
            .Returns<CheckStatusDocument>(StatusCodes.Status202Accepted, "Started: the check-status payload; Location is its statusQueryGetUri.")
            .Problem(StatusCodes.Status400BadRequest, "runs or timeoutMinutes is out of range, or the body is not a JSON object; field names it.")
            .Problem(StatusCodes.Status404NotFound, "id: no such guardian.")
            .Problem(StatusCodes.Status409Conflict, "loadTest: the guardian has no loadTest section, so nothing can launch its runs.")
            .TooLarge();
        api.MapPost(HttpRoutes.CancelTraining, (string id, string instanceId, HttpContext http, TrainingEndpoints training) =>
                ApiExchange.RespondAsync(http, _ => training.CancelAsync(id, instanceId, http.RequestAborted)))
            .WithName("CancelTraining").WithSummary("Cancels a running training (terminates its instance).")
            .Returns<JsonElement>(StatusCodes.Status202Accepted, "{guardian, instanceId, cancelled: true}.")
            .Problem(StatusCodes.Status404NotFound, "instanceId: no running training of this guardian.")
            .TooLarge();
        return app;
    }
}
