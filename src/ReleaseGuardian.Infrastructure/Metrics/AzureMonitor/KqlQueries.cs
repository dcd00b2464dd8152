using System.Globalization;
using System.Text;
using ReleaseGuardian.Application.Metrics;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Infrastructure.Metrics.AzureMonitor;

/// <summary>The request table a guardian reads, with its column names.</summary>
/// <param name="Name">The table.</param>
/// <param name="Time">The timestamp column.</param>
/// <param name="Duration">The duration column, in milliseconds.</param>
/// <param name="Failed">A KQL predicate true for failed requests.</param>
/// <param name="RoleName">The cloud role name column.</param>
/// <param name="ItemCount">The sampling weight column.</param>
public sealed record RequestTable(string Name, string Time, string Duration, string Failed, string RoleName, string ItemCount)
{
    /// <summary>Workspace-based Application Insights.</summary>
    public static RequestTable AppRequests { get; } = new("AppRequests", "TimeGenerated", "DurationMs", "Success == false", "AppRoleName", "ItemCount");

    /// <summary>Classic Application Insights; <c>success</c> is a string there.</summary>
    public static RequestTable Requests { get; } = new("requests", "timestamp", "duration", "tobool(success) == false", "cloud_RoleName", "itemCount");

    /// <summary>The table <c>metrics.table</c> names (default AppRequests), or null when it names neither.</summary>
    public static RequestTable? Named(string? table) => table switch
    {
        null or "" => AppRequests,
        _ when string.Equals(table, "AppRequests", StringComparison.OrdinalIgnoreCase) => AppRequests,
        _ when string.Equals(table, "requests", StringComparison.OrdinalIgnoreCase) => Requests,
        _ => null,
    };
}

/// <summary>
/// The KQL Release Guardian runs against Log Analytics. The golden signals come from one query that
/// returns them all in one row, one column per signal, weighted by the item count so that sampling does
/// not skew them. A custom signal brings its own query whose first row's first column is the value.
/// </summary>
public static class KqlQueries
{
    /// <summary>The golden signals the single-row query returns, as its column names.</summary>
    public static IReadOnlyList<string> GoldenColumns { get; } = SignalNames.Golden;

    /// <summary>The golden-signal query over <paramref name="table"/> for the request's window.</summary>
    public static string Golden(RequestTable table, string? roleName, DateTimeOffset start, DateTimeOffset end)
    {
        var seconds = Math.Max(1, (end - start).TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture);
        var t = table;
        var query = new StringBuilder()
            .Append(t.Name).Append('\n')
            .Append($"| where {t.Time} >= datetime({Iso(start)}) and {t.Time} < datetime({Iso(end)})\n");
        if (!string.IsNullOrWhiteSpace(roleName))
        {
            query.Append($"| where {t.RoleName} == \"{EscapeString(roleName)}\"\n");
        }

        query
            .Append($"| summarize requests = sum({t.ItemCount}), failed = sumif({t.ItemCount}, {t.Failed}), samples = count(),\n")
            .Append($"    p50 = percentilew({t.Duration}, {t.ItemCount}, 50), p90 = percentilew({t.Duration}, {t.ItemCount}, 90),\n")
            .Append($"    p95 = percentilew({t.Duration}, {t.ItemCount}, 95), p99 = percentilew({t.Duration}, {t.ItemCount}, 99),\n")
            .Append($"    weighted = sum({t.Duration} * {t.ItemCount})\n")
            .Append("| project ['latency.p50'] = p50, ['latency.p90'] = p90, ['latency.p95'] = p95, ['latency.p99'] = p99,\n")
            .Append("    ['latency.avg'] = iff(requests > 0, weighted / requests, real(null)),\n")
            .Append("    ['errors.rate'] = iff(requests > 0, todouble(failed) / requests, real(null)),\n")
            .Append("    ['errors.count'] = failed, ['traffic.requests'] = requests,\n")
            .Append($"    ['traffic.rps'] = todouble(requests) / {seconds}, ['sample.count'] = samples");
        return query.ToString();
    }

    /// <summary>
    /// Fills the placeholders of an override: <c>{table}</c>, <c>{roleName}</c> (the spec's role name, else
    /// the guardian's service; escaped for a string literal), <c>{service}</c>, <c>{window}</c> (a KQL timespan,
    /// "60s"), <c>{start}</c> and <c>{end}</c> (ISO 8601, for <c>datetime(...)</c>).
    /// </summary>
    public static string Fill(string query, MetricsRequest request, RequestTable table)
    {
        var seconds = Math.Max(1, (long)Math.Round(request.Window.TotalSeconds));
        var spec = request.Guardian.Metrics;
        return new StringBuilder(query)
            .Replace("{table}", table.Name)
            .Replace("{roleName}", EscapeString(string.IsNullOrWhiteSpace(spec.RoleName) ? request.Guardian.Service : spec.RoleName))
            .Replace("{service}", EscapeString(request.Guardian.Service))
            .Replace("{window}", seconds.ToString(CultureInfo.InvariantCulture) + "s")
            .Replace("{start}", Iso(request.Start))
            .Replace("{end}", Iso(request.End))
            .ToString();
    }

    /// <summary>The Log Analytics <c>timespan</c>: "2026-11-24T10:00:00.000Z/2026-11-24T10:01:00.000Z".</summary>
    public static string Timespan(DateTimeOffset start, DateTimeOffset end) => $"{Iso(start)}/{Iso(end)}";

    /// <summary>A UTC ISO 8601 timestamp with milliseconds.</summary>
    public static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Escapes text for a double-quoted KQL string literal.</summary>
    public static string EscapeString(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal)
            .Replace("\r", "\\r", StringComparison.Ordinal);
}
