using Azure.Data.Tables;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>One page of rows in row-key order, with the continuation token that resumes after its last row.</summary>
internal static class TablePage
{
    /// <summary>
    /// Reads up to <paramref name="pageSize"/> rows; reading one more than asked tells whether another page follows,
    /// without an empty last page. The token is <paramref name="tokenVersion"/> plus the last row key, base64url.
    /// </summary>
    public static async Task<(List<TableEntity> Rows, string? Continuation)> ReadAsync(
        TableClient table, string filter, int pageSize, string tokenVersion, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>(pageSize + 1);
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: pageSize + 1, cancellationToken: cancellationToken))
        {
            rows.Add(row);
            if (rows.Count > pageSize)
            {
                break;
            }
        }

        var page = rows.Take(pageSize).ToList();
        return (page, rows.Count > pageSize ? Base64Url.Encode(tokenVersion + page[^1].RowKey) : null);
    }
}
