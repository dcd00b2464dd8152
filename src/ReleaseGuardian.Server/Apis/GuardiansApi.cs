using ReleaseGuardian.Application.Guardians;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Server.Http;

namespace ReleaseGuardian.Server.Apis;

/// <summary>Guardian definitions and each guardian's timeline; management routes behind the API key.</summary>
internal static class GuardiansApi
{
    public static IEndpointRouteBuilder MapGuardiansApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/").AddEndpointFilter<ApiKeyFilter>();
        api.MapGet(HttpRoutes.Guardians, ListAsync);
        api.MapPut(HttpRoutes.Guardian, PutAsync);
        api.MapGet(HttpRoutes.Guardian, GetAsync);
        api.MapDelete(HttpRoutes.Guardian, DeleteAsync);
        api.MapGet(HttpRoutes.Timeline, TimelineAsync);
        return app;
    }

    private static async Task<IResult> ListAsync(GuardianService guardians, CancellationToken ct)
    {
        var all = await guardians.ListAsync(ct);
        return Results.Json(new { guardians = all.Select(Summary).ToList(), count = all.Count });
    }

    private static async Task<IResult> PutAsync(string id, HttpContext http, GuardianService guardians, CancellationToken ct)
    {
        if (!GuardianDefinitionValidator.IsValidId(id))
        {
            return Problems.Of(400, "id", $"'{id}' must match {GuardianDefinitionValidator.IdPattern}");
        }

        if (http.Request.ContentType is { } type && !IsJson(type))
        {
            return Problems.Of(415, "Content-Type", $"'{type}' is not application/json");
        }

        var (request, tooLarge) = await WebhookRequestReader.ReadAsync(http.Request, ct);
        if (tooLarge is not null)
        {
            return Problems.From(tooLarge);
        }

        var json = System.Text.Encoding.UTF8.GetString(request!.Body.Span);
        var result = await guardians.PutAsync(id, json, http.Request.Headers.IfMatch.FirstOrDefault(), ct);
        switch (result)
        {
            case GuardianPutResult.Invalid invalid:
                return Problems.Validation(invalid.Errors.Select(e => (e.Path, e.Message)));
            case GuardianPutResult.Conflict:
                return Problems.Of(409, "If-Match", $"guardian '{id}' changed since that ETag was read; GET it again and retry");
            case GuardianPutResult.Stored stored:
                http.Response.Headers.ETag = stored.Guardian.ETag;
                var body = Detail(stored.Guardian);
                return stored.Created ? Results.Created($"/{HttpRoutes.Guardians}/{id}", body) : Results.Ok(body);
            default:
                return Results.StatusCode(500);
        }
    }

    // The media type itself, not a prefix: application/json-patch+json is a patch, not a definition to store.
    private static bool IsJson(string contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && parsed.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    private static async Task<IResult> GetAsync(string id, HttpContext http, GuardianService guardians, CancellationToken ct)
    {
        var stored = await guardians.GetAsync(id, ct);
        if (stored is null)
        {
            return Problems.NotFound("id", $"no guardian '{id}'");
        }

        http.Response.Headers.ETag = stored.ETag;
        return Results.Json(Detail(stored));
    }

    private static async Task<IResult> DeleteAsync(string id, GuardianService guardians, CancellationToken ct) =>
        await guardians.DeleteAsync(id, ct) ? Results.NoContent() : Problems.NotFound("id", $"no guardian '{id}'");

    private static async Task<IResult> TimelineAsync(
        string id, int? pageSize, string? continuation, GuardianService guardians, ITimelineStore timeline, CancellationToken ct)
    {
        var guardian = await guardians.FindAsync(id, ct);
        if (guardian is null)
        {
            return Problems.NotFound("id", $"no guardian '{id}'");
        }

        if (pageSize is < 1 or > 200)
        {
            return Problems.Of(400, "pageSize", "must be between 1 and 200");
        }

        try
        {
            var page = await timeline.GetTimelineAsync(
                id, guardian.Flag is null ? null : FlagScope.Of(guardian.Flag), pageSize ?? 50, continuation, ct);
            return Results.Json(new
            {
                guardian = id,
                entries = page.Items.Select(e => new
                {
                    kind = e.Kind,
                    time = e.Time,
                    id = e.Id,
                    summary = e.Summary,
                    data = System.Text.Json.JsonDocument.Parse(e.DataJson).RootElement,
                }).ToList(),
                continuation = page.Continuation,
            });
        }
        catch (InvalidContinuationException e)
        {
            return Problems.Of(400, e.Field, e.Message);
        }
    }

    private static object Summary(StoredGuardian stored)
    {
        var definition = GuardianDefinitionJson.Parse(stored.DefinitionJson).Definition;
        return new
        {
            id = stored.Id,
            displayName = definition?.DisplayName,
            service = definition?.Service,
            flag = definition?.Flag is { } flag ? $"{flag.Provider}:{flag.Key}" : null,
            metrics = definition?.Metrics.Source,
            objectives = definition?.Objectives.Count ?? 0,
            updatedAt = stored.UpdatedAt,
        };
    }

    private static object Detail(StoredGuardian stored) => new
    {
        id = stored.Id,
        etag = stored.ETag,
        createdAt = stored.CreatedAt,
        updatedAt = stored.UpdatedAt,
        definition = System.Text.Json.JsonDocument.Parse(stored.DefinitionJson).RootElement,
    };
}
