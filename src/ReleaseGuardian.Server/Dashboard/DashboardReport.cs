using System.Text;
using System.Text.Json;

namespace ReleaseGuardian.Server.Dashboard;

/// <summary>
/// The dashboard saved as one self-contained HTML file: the page's own HTML, CSS and JavaScript inlined, and
/// the data it would have fetched from the management API embedded as JSON (<c>&lt;script id="guardian-data"&gt;</c>).
/// Nothing in it loads from anywhere, so it opens from disk, offline, years later.
/// </summary>
public static class DashboardReport
{
    /// <summary>
    /// Collects what the page reads from the management API, in the page's own shape:
    /// <c>{generatedAt, guardians:[{guardian, runs:[run detail...], timeline:[...], notifications:[...], releases:[...]}]}</c>.
    /// </summary>
    /// <param name="get">GETs a management route (relative, e.g. <c>api/guardians</c>) with the API key and returns its JSON.</param>
    /// <param name="now">The snapshot's time.</param>
    /// <param name="cancellationToken">Stops collecting.</param>
    public static async Task<string> CollectSnapshotAsync(Func<string, CancellationToken, Task<JsonElement>> get, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(get);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("generatedAt", now);
            json.WriteStartArray("guardians");
            var summaries = new List<JsonElement>();
            string? continuation = null;
            do
            {
                var page = await get("api/guardians?pageSize=200" + (continuation is null ? "" : "&continuation=" + Uri.EscapeDataString(continuation)), cancellationToken);
                summaries.AddRange(page.GetProperty("guardians").EnumerateArray());
                continuation = page.TryGetProperty("continuation", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            }
            while (continuation is not null);

            foreach (var summary in summaries)
            {
                var id = Uri.EscapeDataString(summary.GetProperty("id").GetString()!);
                json.WriteStartObject();
                json.WritePropertyName("guardian");
                (await get($"api/guardians/{id}", cancellationToken)).WriteTo(json);
                json.WriteStartArray("runs");
                var runs = await get($"api/guardians/{id}/runs?pageSize=200", cancellationToken);
                foreach (var run in runs.GetProperty("runs").EnumerateArray())
                {
                    (await get($"api/guardians/{id}/runs/{Uri.EscapeDataString(run.GetProperty("runId").GetString()!)}", cancellationToken)).WriteTo(json);
                }

                json.WriteEndArray();
                json.WritePropertyName("timeline");
                (await get($"api/guardians/{id}/timeline?pageSize=200", cancellationToken)).GetProperty("entries").WriteTo(json);
                json.WritePropertyName("notifications");
                (await get($"api/notifications?guardian={id}&pageSize=200", cancellationToken)).GetProperty("notifications").WriteTo(json);
                json.WritePropertyName("releases");
                (await get($"api/guardians/{id}/releases?pageSize=10", cancellationToken)).GetProperty("releases").WriteTo(json);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The self-contained page for a snapshot from <see cref="CollectSnapshotAsync"/>.</summary>
    public static string Render(string snapshotJson)
    {
        ArgumentNullException.ThrowIfNull(snapshotJson);
        using (JsonDocument.Parse(snapshotJson))
        {
            // Only well-formed JSON goes into the page.
        }

        // '<' only occurs inside JSON strings, where \u003c means the same, so no "</script>" can end the block early.
        var data = snapshotJson.Replace("<", "\\u003c", StringComparison.Ordinal);
        var html = DashboardAssets.Read("index.html");
        html = Replace(html, """<link rel="stylesheet" href="dashboard.css">""", "<style>\n" + DashboardAssets.Read("dashboard.css") + "</style>");
        html = Replace(html, """<script src="dashboard.js"></script>""",
            "<script id=\"guardian-data\" type=\"application/json\">" + data + "</script>\n<script>\n" +
            DashboardAssets.Read("dashboard.js").Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase) + "</script>");
        return html;
    }

    private static string Replace(string html, string marker, string replacement)
    {
        var at = html.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new InvalidOperationException($"index.html no longer contains {marker}; the report cannot inline it");
        }

        return string.Concat(html.AsSpan(0, at), replacement, html.AsSpan(at + marker.Length));
    }
}
