using Azure;
using Azure.Data.Tables;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>Reads the status codes the stores turn into results instead of exceptions.</summary>
internal static class TableFailures
{
    public const int NotFound = 404;
    public const int Conflict = 409;
    public const int PreconditionFailed = 412;

    /// <summary>The index of the failed action in a transaction, or -1 when the service did not say.</summary>
    public static int FailedIndex(this TableTransactionFailedException e) => e.FailedTransactionActionIndex ?? -1;

    /// <summary>The ETag of the sub-response answering <paramref name="index"/>, as text.</summary>
    public static string? ETagAt(this Response<IReadOnlyList<Response>> batch, int index) =>
        batch.Value.Count > index && batch.Value[index].Headers.ETag is { } etag ? etag.ToString() : null;

    public static string? ETagOf(this Response response) =>
        response.Headers.ETag is { } etag ? etag.ToString() : null;
}
