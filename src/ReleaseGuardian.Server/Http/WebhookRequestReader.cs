using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Server.Http;

/// <summary>Reads a webhook delivery into a host-neutral <see cref="WebhookRequest"/>, refusing bodies over the limit.</summary>
internal static class WebhookRequestReader
{
    /// <summary>The largest body accepted: 1 MiB.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public static async Task<(WebhookRequest? Request, IngestProblem? Problem)> ReadAsync(HttpRequest http, CancellationToken cancellationToken)
    {
        if (http.ContentLength > MaxBodyBytes)
        {
            return (null, new IngestProblem(IngestFailure.TooLarge, "body", $"{http.ContentLength} bytes is over the {MaxBodyBytes}-byte limit"));
        }

        var buffer = new MemoryStream(http.ContentLength is { } length ? (int)length : 4096);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return (null, new IngestProblem(IngestFailure.TooLarge, "body", $"the body is over the {MaxBodyBytes}-byte limit"));
            }

            buffer.Write(chunk, 0, read);
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in http.Headers)
        {
            headers[key] = value.ToString();
        }

        var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in http.Query)
        {
            query[key] = value.ToString();
        }

        return (new WebhookRequest(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), headers, query, http.ContentType), null);
    }
}
