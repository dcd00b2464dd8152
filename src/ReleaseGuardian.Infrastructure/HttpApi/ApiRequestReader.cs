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

        // One buffer of the announced size, read into directly: no copy buffer per request. It only grows when the
        // length was not announced (or was wrong), and never past one byte over the limit, which is how an oversized
        // body is told apart.
        var buffer = new byte[contentLength is { } length ? (int)length : 4096];
        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                if (filled == contentLength)
                {
                    // Announced bytes all read: expect the end, reading any surplus into a grown buffer as before.
                    var probe = new byte[1];
                    if (await body.ReadAsync(probe, cancellationToken).ConfigureAwait(false) == 0)
                    {
                        break;
                    }

                    Array.Resize(ref buffer, Math.Min(Math.Max(buffer.Length * 2, 4096), MaxBodyBytes + 1));
                    buffer[filled++] = probe[0];
                    contentLength = null;
                    continue;
                }

                Array.Resize(ref buffer, Math.Min(Math.Max(buffer.Length * 2, 4096), MaxBodyBytes + 1));
            }

            var read = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
            if (filled > MaxBodyBytes)
            {
                return (null, new IngestProblem(IngestFailure.TooLarge, "body", $"the body is over the {MaxBodyBytes}-byte limit"));
            }
        }

        return (new WebhookRequest(buffer.AsMemory(0, filled), Flatten(headers), Flatten(query), contentType), null);
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
