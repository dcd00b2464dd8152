using ReleaseGuardian.Application.Hosting;

namespace ReleaseGuardian.Server.Apis;

/// <summary>Liveness for load balancers and the demo's start-up wait.</summary>
internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/" + HttpRoutes.Health, () => Results.Ok(new { status = "ok" })).WithName("Health");
        return app;
    }
}
