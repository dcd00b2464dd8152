using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Server.Http;

namespace ReleaseGuardian.Server.Apis;

/// <summary>Liveness for load balancers and the demo's start-up wait.</summary>
internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/" + HttpRoutes.Health, () => Results.Ok(new HealthDocument("ok")))
            .WithName("Health").WithTags("Health").WithSummary("Liveness of the standalone host (not served by the Functions app).")
            .Returns<HealthDocument>(StatusCodes.Status200OK, "The host is up.");
        return app;
    }
}
