using System.Text;
using System.Text.Json;
using ReleaseGuardian.Application.Guardians;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.HttpApi;

/// <summary>Guardian definitions and each guardian's timeline as HTTP answers; management routes.</summary>
public sealed class GuardianEndpoints(GuardianService guardians, ITimelineStore timeline)
{
    /// <summary>
    /// <c>GET /api/guardians?pageSize=&amp;continuation=</c>: one page ordered by id (<c>count</c> is this page's),
    /// and the token of the next page, as the runs listing does.
    /// </summary>
    public async Task<ApiResponse> ListAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (pageSize, problem) = QueryPaging.PageSize(request);
        if (problem is not null)
        {
            return problem;
        }

        try
        {
            var page = await guardians.ListPageAsync(pageSize, QueryPaging.Continuation(request), cancellationToken);
            return ApiResponse.Json(new { guardians = page.Items.Select(Summary).ToList(), count = page.Items.Count, continuation = page.Continuation });
        }
        catch (InvalidContinuationException e)
        {
            return ApiResponse.Problem(400, e.Field, e.Message);
        }
    }

    // The media type itself, not a prefix: application/json-patch+json is a patch, not a definition to store.
    private static bool IsJson(string contentType) =>
        System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && string.Equals(parsed.MediaType, "application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary><c>PUT /api/guardians/{id}</c>, optionally conditional on <c>If-Match</c>.</summary>
    public async Task<ApiResponse> PutAsync(string id, WebhookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!GuardianDefinitionValidator.IsValidId(id))
        {
            return ApiResponse.Problem(400, "id", $"'{id}' must match {GuardianDefinitionValidator.IdPattern}");
        }

        if (request.ContentType is { } type && !IsJson(type))
        {
            return ApiResponse.Problem(415, "Content-Type", $"'{type}' is not application/json");
        }

        var ifMatch = request.Header("If-Match");
        if (!string.IsNullOrEmpty(ifMatch) && !IsEntityTag(ifMatch))
        {
            return ApiResponse.Problem(400, "If-Match", "must be one entity tag as the ETag header gave it, e.g. W/\"datetime'...'\", or *");
        }

        var json = Encoding.UTF8.GetString(request.Body.Span);
        var result = await guardians.PutAsync(id, json, ifMatch, cancellationToken);
        switch (result)
        {
            case GuardianPutResult.Invalid invalid:
                return ApiResponse.Validation(invalid.Errors.Select(e => (e.Path, e.Message)));
            case GuardianPutResult.Conflict:
                return ApiResponse.Problem(412, "If-Match", $"guardian '{id}' changed (or was deleted) since that ETag was read; GET it again and retry");
            case GuardianPutResult.Stored stored:
                var body = Detail(stored.Guardian);
                var response = stored.Created
                    ? ApiResponse.Json(body, 201).WithHeader("Location", $"/{HttpRoutes.Guardians}/{id}")
                    : ApiResponse.Json(body);
                return response.WithHeader("ETag", stored.Guardian.ETag);
            default:
                return ApiResponse.Empty(500);
        }
    }

    // RFC 9110 §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E (obs-text left out: the
    // storage client sends it on as a header). Anything else used to reach that client and come back a 500.
    private static bool IsEntityTag(string value)
    {
        if (value == "*")
        {
            return true;
        }

        var tag = value.StartsWith("W/", StringComparison.Ordinal) ? value.AsSpan(2) : value.AsSpan();
        return tag.Length >= 2 && tag[0] == '"' && tag[^1] == '"' && !tag[1..^1].ContainsAnyExcept(EntityTagChars);
    }

    private static readonly System.Buffers.SearchValues<char> EntityTagChars = System.Buffers.SearchValues.Create(
        "!" + new string(Enumerable.Range(0x23, 0x7E - 0x23 + 1).Select(c => (char)c).ToArray()));

    /// <summary><c>GET /api/guardians/{id}</c>.</summary>
    public async Task<ApiResponse> GetAsync(string id, CancellationToken cancellationToken)
    {
        var stored = await guardians.GetAsync(id, cancellationToken);
        return stored is null
            ? ApiResponse.NotFound("id", $"no guardian '{id}'")
            : ApiResponse.Json(Detail(stored)).WithHeader("ETag", stored.ETag);
    }

    /// <summary><c>DELETE /api/guardians/{id}</c>.</summary>
    public async Task<ApiResponse> DeleteAsync(string id, CancellationToken cancellationToken) =>
        await guardians.DeleteAsync(id, cancellationToken) ? ApiResponse.Empty(204) : ApiResponse.NotFound("id", $"no guardian '{id}'");

    /// <summary><c>GET /api/guardians/{id}/timeline?pageSize=&amp;continuation=</c>.</summary>
    public async Task<ApiResponse> TimelineAsync(string id, WebhookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var guardian = await guardians.FindAsync(id, cancellationToken);
        if (guardian is null)
        {
            return ApiResponse.NotFound("id", $"no guardian '{id}'");
        }

        var (pageSize, problem) = QueryPaging.PageSize(request);
        if (problem is not null)
        {
            return problem;
        }

        try
        {
            var page = await timeline.GetTimelineAsync(
                id, guardian.Flag is null ? null : FlagScope.Of(guardian.Flag), pageSize, QueryPaging.Continuation(request), cancellationToken);
            return ApiResponse.Json(new
            {
                guardian = id,
                entries = page.Items.Select(e => new
                {
                    kind = e.Kind,
                    time = e.Time,
                    id = e.Id,
                    summary = e.Summary,
                    data = JsonDocument.Parse(e.DataJson).RootElement,
                }).ToList(),
                continuation = page.Continuation,
            });
        }
        catch (InvalidContinuationException e)
        {
            return ApiResponse.Problem(400, e.Field, e.Message);
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
        definition = JsonDocument.Parse(stored.DefinitionJson).RootElement,
    };
}
