using System.Text.Json;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Infrastructure.HttpApi;
using ReleaseGuardian.Server.Http;

namespace ReleaseGuardian.Server.Apis;

/// <summary>Guardian definitions and each guardian's timeline; management routes behind the API key.</summary>
internal static class GuardiansApi
{
    public static IEndpointRouteBuilder MapGuardiansApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/").RequireManagementKey().WithTags("Guardians");
        api.MapGet(HttpRoutes.Guardians, (HttpContext http, GuardianEndpoints guardians) =>
                ApiExchange.RespondAsync(http, request => guardians.ListAsync(request, http.RequestAborted)))
            .WithName("ListGuardians").WithSummary("Every guardian, summarised, a page at a time.")
            .Paged()
            .Returns<JsonElement>(StatusCodes.Status200OK, "{guardians:[{id, displayName, service, flag, metrics, objectives, updatedAt}], count, continuation}.");
        api.MapPut(HttpRoutes.Guardian, (string id, HttpContext http, GuardianEndpoints guardians) =>
                ApiExchange.RespondAsync(http, request => guardians.PutAsync(id, request, http.RequestAborted)))
            .WithName("PutGuardian").WithSummary("Creates or replaces a guardian definition (DESIGN.md §6); If-Match makes it conditional.")
            .Body<JsonElement>("The guardian definition (DESIGN.md §6).")
            .Returns<JsonElement>(StatusCodes.Status200OK, "Replaced: {id, etag, createdAt, updatedAt, definition}, with an ETag header.")
            .Returns<JsonElement>(StatusCodes.Status201Created, "Created: the same body, with ETag and Location headers.")
            .Problem(StatusCodes.Status400BadRequest, "The id or the definition is invalid (errors lists every problem by JSON path), or If-Match is not one well-formed ETag (or *).")
            .Problem(StatusCodes.Status412PreconditionFailed, "If-Match: the guardian changed since that ETag was read, or does not exist.")
            .Problem(StatusCodes.Status415UnsupportedMediaType, "Content-Type is not application/json.")
            .TooLarge();
        api.MapGet(HttpRoutes.Guardian, (string id, HttpContext http, GuardianEndpoints guardians) =>
                ApiExchange.RespondAsync(http, _ => guardians.GetAsync(id, http.RequestAborted)))
            .WithName("GetGuardian").WithSummary("One guardian definition with its ETag.")
            .Returns<JsonElement>(StatusCodes.Status200OK, "{id, etag, createdAt, updatedAt, definition}, with an ETag header.")
            .Problem(StatusCodes.Status404NotFound, "id: no such guardian.");
        api.MapDelete(HttpRoutes.Guardian, (string id, HttpContext http, GuardianEndpoints guardians) =>
                ApiExchange.RespondAsync(http, _ => guardians.DeleteAsync(id, http.RequestAborted)))
            .WithName("DeleteGuardian").WithSummary("Deletes a guardian definition.")
            .ReturnsEmpty(StatusCodes.Status204NoContent, "Deleted.")
            .Problem(StatusCodes.Status404NotFound, "id: no such guardian.");
        api.MapGet(HttpRoutes.Timeline, (string id, HttpContext http, GuardianEndpoints guardians) =>
                ApiExchange.RespondAsync(http, request => guardians.TimelineAsync(id, request, http.RequestAborted)))
            .WithName("GuardianTimeline").WithSummary("Flag changes, load tests, chaos results, verdicts and rollbacks of one guardian, newest first.")
            .Paged()
            .Returns<JsonElement>(StatusCodes.Status200OK, "{guardian, entries:[{kind, time, id, summary, data}], continuation}.")
            .Problem(StatusCodes.Status404NotFound, "id: no such guardian.");
        return app;
    }
}
