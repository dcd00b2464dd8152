using Microsoft.AspNetCore.Mvc;
using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Server.Http;

/// <summary>RFC 7807 answers that name the field at fault (DESIGN.md §4).</summary>
internal static class Problems
{
    public const string ContentType = "application/problem+json";

    public static IResult From(IngestProblem problem) => Of(problem.StatusCode, problem.Field, problem.Detail);

    public static IResult Of(int status, string field, string detail, IDictionary<string, object?>? extensions = null)
    {
        var body = new ProblemDetails
        {
            Status = status,
            Title = TitleOf(status),
            Detail = $"{field}: {detail}",
            Type = $"https://httpstatuses.io/{status}",
        };
        body.Extensions["field"] = field;
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                body.Extensions[key] = value;
            }
        }

        return Results.Problem(body);
    }

    /// <summary>A 400 listing every error by its JSON path.</summary>
    public static IResult Validation(IEnumerable<(string Path, string Message)> errors)
    {
        var list = errors.ToList();
        var body = new ProblemDetails
        {
            Status = 400,
            Title = "The guardian definition is invalid",
            Detail = string.Join("; ", list.Select(e => $"{e.Path}: {e.Message}")),
            Type = "https://httpstatuses.io/400",
        };
        body.Extensions["errors"] = list.Select(e => new { path = e.Path, message = e.Message }).ToList();
        body.Extensions["field"] = list.FirstOrDefault().Path;
        return Results.Problem(body);
    }

    public static IResult NotFound(string field, string detail) => Of(404, field, detail);

    private static string TitleOf(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        404 => "Not found",
        409 => "Conflict",
        413 => "Payload too large",
        415 => "Unsupported media type",
        _ => "Error",
    };
}
