using System.Diagnostics;
using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Infrastructure.HttpApi;

/// <summary>
/// An HTTP answer of the external contract (DESIGN.md §4), already serialized, so both hosts write the same bytes:
/// the standalone server through <c>IResult</c>, the Functions app through <c>IActionResult</c>.
/// </summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="ContentType">The Content-Type, or null when there is no body.</param>
/// <param name="Body">The body text (JSON), or empty.</param>
/// <param name="Headers">Further response headers, e.g. <c>Location</c> or <c>ETag</c>.</param>
public sealed record ApiResponse(int StatusCode, string? ContentType, string Body, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>The media type of JSON answers.</summary>
    public const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>The media type of RFC 7807 answers.</summary>
    public const string ProblemContentType = "application/problem+json";

    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();

    /// <summary>
    /// ASP.NET Core's web defaults (camelCase), as the server's <c>Results.Json</c> used, so the JSON shapes did not
    /// change when the mapping moved here. Response bodies are small management documents, not a hot path.
    /// </summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>A JSON answer.</summary>
    public static ApiResponse Json(object body, int statusCode = 200) =>
        new(statusCode, JsonContentType, JsonSerializer.Serialize(body, body.GetType(), JsonOptions), NoHeaders);

    /// <summary>JSON that is already serialized (protocol handshakes answer with a fixed document).</summary>
    public static ApiResponse RawJson(string json, int statusCode = 200) => new(statusCode, "application/json", json, NoHeaders);

    /// <summary>A status without a body.</summary>
    public static ApiResponse Empty(int statusCode) => new(statusCode, null, "", NoHeaders);

    /// <summary>An RFC 7807 answer naming the field at fault.</summary>
    public static ApiResponse Problem(int statusCode, string field, string detail) =>
        ProblemOf(statusCode, TitleOf(statusCode), $"{field}: {detail}", field, errors: null);

    /// <summary>The RFC 7807 answer to a rejected delivery.</summary>
    public static ApiResponse Problem(IngestProblem problem) => Problem(problem.StatusCode, problem.Field, problem.Detail);

    /// <summary>A 404 naming the id at fault.</summary>
    public static ApiResponse NotFound(string field, string detail) => Problem(404, field, detail);

    /// <summary>A 400 listing every error of a guardian definition by its JSON path.</summary>
    public static ApiResponse Validation(IEnumerable<(string Path, string Message)> errors)
    {
        var list = errors.ToList();
        return ProblemOf(400, "The guardian definition is invalid", string.Join("; ", list.Select(e => $"{e.Path}: {e.Message}")),
            list.FirstOrDefault().Path, list.Select(e => new { path = e.Path, message = e.Message }).ToList());
    }

    /// <summary>This answer with one more header.</summary>
    public ApiResponse WithHeader(string name, string value) =>
        this with { Headers = new Dictionary<string, string>(Headers, StringComparer.OrdinalIgnoreCase) { [name] = value } };

    private static ApiResponse ProblemOf(int statusCode, string title, string detail, string? field, object? errors)
    {
        // The member order and the traceId extension are those ASP.NET Core's ProblemDetails writer produced.
        var body = new Dictionary<string, object?>
        {
            ["type"] = $"https://httpstatuses.io/{statusCode}",
            ["title"] = title,
            ["status"] = statusCode,
            ["detail"] = detail,
        };
        if (errors is not null)
        {
            body["errors"] = errors;
        }

        body["field"] = field;
        if (Activity.Current?.Id is { } traceId)
        {
            body["traceId"] = traceId;
        }

        return new ApiResponse(statusCode, ProblemContentType, JsonSerializer.Serialize(body, JsonOptions), NoHeaders);
    }

    private static string TitleOf(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        404 => "Not found",
        408 => "Request timeout",
        409 => "Conflict",
        410 => "Gone",
        412 => "Precondition failed",
        413 => "Payload too large",
        415 => "Unsupported media type",
        _ => "Error",
    };
}
