using Microsoft.Extensions.Primitives;
using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Infrastructure.HttpApi;

/// <summary>
/// Reads an HTTP request into a host-neutral <see cref="WebhookRequest"/>, refusing bodies over the limit. Both hosts
/// hand over ASP.NET Core's request parts (<c>HttpRequest.Body</c>, <c>Headers</c>, <c>Query</c>).
/// </summary>
public static class ApiRequestReader
{
    /// <summary>The largest body accepted: 1 MiB.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>The request, or the 413 problem when its body is too large.</summary>
    public static async Task<(WebhookRequest? Request, IngestProblem? Problem)> ReadAsync(
        Stream body,
        long? contentLength,
        string? contentType,
        IEnumerable<KeyValuePair<string, StringValues>> headers,
        IEnumerable<KeyValuePair<string, StringValues>> query,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (contentLength > MaxBodyBytes)
        {
            return (null, new IngestProblem(IngestFailure.TooLarge, "body", $"{contentLength} bytes is over the {MaxBodyBytes}-byte limit"));
        }

        var buffer = new MemoryStream(contentLength is { } length ? (int)length : 4096);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return (null, new IngestProblem(IngestFailure.TooLarge, "body", $"the body is over the {MaxBodyBytes}-byte limit"));
            }

            buffer.Write(chunk, 0, read);
        }

        return (new WebhookRequest(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), Flatten(headers), Flatten(query), contentType), null);
    }

    private static Dictionary<string, string> Flatten(IEnumerable<KeyValuePair<string, StringValues>> values)
    {
        var flat = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in values)
        {
            flat[key] = value.ToString();
        }

        return flat;
    }
}
