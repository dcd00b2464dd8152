using System.Globalization;
using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Infrastructure.HttpApi;

/// <summary>The <c>pageSize</c> and <c>continuation</c> query parameters of the list routes.</summary>
internal static class QueryPaging
{
    public const int DefaultPageSize = 50;

    /// <summary>The page size (1-200, default 50), or the 400 naming <c>pageSize</c>.</summary>
    public static (int PageSize, ApiResponse? Problem) PageSize(WebhookRequest request)
    {
        var text = request.QueryValue("pageSize");
        if (string.IsNullOrEmpty(text))
        {
            return (DefaultPageSize, null);
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= 200
            ? (size, null)
            : (0, ApiResponse.Problem(400, "pageSize", "must be between 1 and 200"));
    }

    public static string? Continuation(WebhookRequest request) => request.QueryValue("continuation") is { Length: > 0 } c ? c : null;
}
