using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Infrastructure.HttpApi;
using ReleaseGuardian.Server.Http;

namespace ReleaseGuardian.Server.Apis;

/// <summary>Baseline training: start (202 with the check-status payload) and cancel; behind the API key.</summary>
internal static class TrainingApi
{
    public static IEndpointRouteBuilder MapTrainingApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/").AddEndpointFilter<ApiKeyFilter>();
        api.MapPost(HttpRoutes.Training, (string id, HttpContext http, TrainingEndpoints training) =>
            ApiExchange.RespondAsync(http, request => training.StartAsync(id, request, ApiExchange.CheckStatusFor(http.Request), http.RequestAborted)));
        api.MapPost(HttpRoutes.CancelTraining, (string id, string instanceId, HttpContext http, TrainingEndpoints training) =>
            ApiExchange.RespondAsync(http, _ => training.CancelAsync(id, instanceId, http.RequestAborted)));
        return app;
    }
}
