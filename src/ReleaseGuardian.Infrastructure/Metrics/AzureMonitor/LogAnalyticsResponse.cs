using System.Globalization;
using System.Text.Json;

namespace ReleaseGuardian.Infrastructure.Metrics.AzureMonitor;

/// <summary>
/// The first row of a Log Analytics query answer
/// (<c>{"tables":[{"name":"PrimaryResult","columns":[{"name":"..","type":".."}],"rows":[[...]]}]}</c>),
/// cell by cell: a finite number, or the reason it is not one. A failure of the whole answer
/// (error body, partial error, no table, no rows) is in <see cref="Failure"/>.
/// </summary>
public sealed class LogAnalyticsResponse
{
    private readonly Dictionary<string, QueryResult> _cells;
    private readonly List<string> _columns;

    private LogAnalyticsResponse(string? failure, List<string> columns, Dictionary<string, QueryResult> cells)
    {
        Failure = failure;
        _columns = columns;
        _cells = cells;
    }

    /// <summary>Why the answer as a whole carries no values, or null.</summary>
    public string? Failure { get; }

    /// <summary>The columns of the first table, in order.</summary>
    public IReadOnlyList<string> Columns => _columns;

    /// <summary>The first row's cell in <paramref name="column"/>.</summary>
    public QueryResult Cell(string column)
    {
        if (Failure is not null)
        {
            return QueryResult.Fail(Failure);
        }

        return _cells.TryGetValue(column, out var cell) ? cell : QueryResult.Fail($"the result has no column '{column}'");
    }

    /// <summary>The first row's first cell (what a custom-signal query answers).</summary>
    public QueryResult FirstCell() =>
        Failure is not null ? QueryResult.Fail(Failure)
        : _columns.Count == 0 ? QueryResult.Fail("the result has no columns")
        : _cells[_columns[0]];

    /// <summary>Reads an answer; never throws.</summary>
    public static LogAnalyticsResponse Parse(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8Json.ToArray());
            return Read(document.RootElement);
        }
        catch (JsonException)
        {
            return Failed("the response is not JSON");
        }
    }

    /// <summary>
    /// Reads an answer from a stream (parsed as it arrives, never copied whole first). Only a stream error (e.g. the
    /// outbound answer cap) propagates; a malformed answer is a failure.
    /// </summary>
    public static async Task<LogAnalyticsResponse> ParseAsync(Stream utf8Json, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(utf8Json, cancellationToken: cancellationToken).ConfigureAwait(false);
            return Read(document.RootElement);
        }
        catch (JsonException)
        {
            return Failed("the response is not JSON");
        }
    }

    /// <summary>The error a streamed answer carries, or null.</summary>
    public static async Task<string?> ErrorOfAsync(Stream utf8Json, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(utf8Json, cancellationToken: cancellationToken).ConfigureAwait(false);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error) ? DescribeError(error) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The same, for text.</summary>
    public static LogAnalyticsResponse Parse(string json) => Parse(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>The error an answer carries ("BadArgumentError: ... (SyntaxError: ...)"), or null.</summary>
    public static string? ErrorOf(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8Json.ToArray());
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error) ? DescribeError(error) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static LogAnalyticsResponse Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Failed("the response is not a JSON object");
        }

        // A 200 with an "error" next to "tables" is a partial result: judging on it would be a silent pass.
        if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
        {
            return Failed(DescribeError(error));
        }

        if (!root.TryGetProperty("tables", out var tables) || tables.ValueKind != JsonValueKind.Array || tables.GetArrayLength() == 0)
        {
            return Failed("the response has no tables");
        }

        var table = tables.EnumerateArray().FirstOrDefault(t =>
            t.ValueKind == JsonValueKind.Object && t.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() == "PrimaryResult");
        if (table.ValueKind == JsonValueKind.Undefined)
        {
            table = tables[0];
        }

        if (table.ValueKind != JsonValueKind.Object
            || !table.TryGetProperty("columns", out var columnsElement) || columnsElement.ValueKind != JsonValueKind.Array
            || !table.TryGetProperty("rows", out var rows) || rows.ValueKind != JsonValueKind.Array)
        {
            return Failed("tables[0] has no columns and rows");
        }

        var columns = new List<string>();
        var types = new List<string?>();
        foreach (var column in columnsElement.EnumerateArray())
        {
            if (column.ValueKind != JsonValueKind.Object || !column.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                return Failed($"tables[0].columns[{columns.Count}] has no name");
            }

            columns.Add(name.GetString()!);
            types.Add(column.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null);
        }

        if (rows.GetArrayLength() == 0)
        {
            return Failed("no rows (no data in the window)");
        }

        var row = rows[0];
        if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != columns.Count)
        {
            return Failed("tables[0].rows[0] does not match the columns");
        }

        var cells = new Dictionary<string, QueryResult>(StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++)
        {
            cells.TryAdd(columns[i], ReadCell(row[i], columns[i], types[i]));
        }

        return new LogAnalyticsResponse(null, columns, cells);
    }

    private static QueryResult ReadCell(JsonElement cell, string column, string? type)
    {
        switch (cell.ValueKind)
        {
            case JsonValueKind.Number:
                return cell.TryGetDouble(out var value) && double.IsFinite(value)
                    ? QueryResult.Of(value)
                    : QueryResult.Fail($"column '{column}' is out of range");
            case JsonValueKind.Null:
                return QueryResult.Fail($"column '{column}' is null (no requests in the window?)");
            case JsonValueKind.String when string.Equals(type, "decimal", StringComparison.OrdinalIgnoreCase):
                // Log Analytics sends decimals as strings to keep their precision.
                return QueryResult.ParseNumber(cell.GetString(), $"column '{column}'");
            case JsonValueKind.String:
                var text = cell.GetString() ?? "";
                return text is "NaN" or "Infinity" or "-Infinity"
                    ? QueryResult.Fail($"column '{column}' is {text}")
                    : QueryResult.Fail($"column '{column}' is text ({type ?? "untyped"}), not a number");
            default:
                return QueryResult.Fail($"column '{column}' is {cell.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture)}, not a number");
        }
    }

    private static string DescribeError(JsonElement error)
    {
        if (error.ValueKind != JsonValueKind.Object)
        {
            return "Log Analytics reported an error";
        }

        var text = Join(Text(error, "code"), Text(error, "message"));
        var inner = error;
        var depth = 0;
        // The useful detail (e.g. the syntax error's position) sits in the innermost innererror.
        while (depth++ < 8 && inner.TryGetProperty("innererror", out var next) && next.ValueKind == JsonValueKind.Object)
        {
            inner = next;
        }

        if (depth > 1)
        {
            var detail = Join(Text(inner, "code"), Text(inner, "message"));
            if (detail.Length > 0)
            {
                text = $"{text} ({detail})";
            }
        }

        return QueryResult.Truncate(text.Length == 0 ? "Log Analytics reported an error" : text, 500);
    }

    private static string Join(string? code, string? message) =>
        (code, message) switch
        {
            (null, null) => "",
            (null, _) => message!,
            (_, null) => code,
            _ => $"{code}: {message}",
        };

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>An answer that failed as a whole, for this reason.</summary>
    public static LogAnalyticsResponse Failed(string reason) => new(reason, [], new Dictionary<string, QueryResult>());
}
