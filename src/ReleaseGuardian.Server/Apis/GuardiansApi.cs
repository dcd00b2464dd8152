using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Infrastructure.HttpApi;
using ReleaseGuardian.Server.Http;

namespace ReleaseGuardian.Server.Apis;

/// <summary>Guardian definitions and each guardian's timeline; management routes behind the API key.</summary>
internal static class GuardiansApi
{
    public static IEndpointRouteBuilder MapGuardiansApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/").AddEndpointFilter<ApiKeyFilter>();
        api.MapGet(HttpRoutes.Guardians, (HttpContext http, GuardianEndpoints guardians) =>
            ApiExchange.RespondAsync(http, request => guardians.ListAsync(request, http.RequestAborted)));
        api.MapPut(HttpRoutes.Guardian, (string id, HttpContext http, GuardianEndpoints guardians) =>
            ApiExchange.RespondAsync(http, request => guardians.PutAsync(id, request, http.RequestAborted)));
        api.MapGet(HttpRoutes.Guardian, (string id, HttpContext http, GuardianEndpoints guardians) =>
            ApiExchange.RespondAsync(http, _ => guardians.GetAsync(id, http.RequestAborted)));
        api.MapDelete(HttpRoutes.Guardian, (string id, HttpContext http, GuardianEndpoints guardians) =>
            ApiExchange.RespondAsync(http, _ => guardians.DeleteAsync(id, http.RequestAborted)));
        api.MapGet(HttpRoutes.Timeline, (string id, HttpContext http, GuardianEndpoints guardians) =>
            ApiExchange.RespondAsync(http, request => guardians.TimelineAsync(id, request, http.RequestAborted)));
        return app;
    }
}
