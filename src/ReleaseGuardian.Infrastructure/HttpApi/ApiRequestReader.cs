using Microsoft.AspNetCore.Http;
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

        var received = buffer.AsMemory(0, filled);
        if (JsonStrings.FindUndecodable(received.Span) is { } field)
        {
            return (null, JsonStrings.Undecodable(field));
        }

        return (new WebhookRequest(received, Flatten(headers), Flatten(query), contentType), null);
    }

    /// <summary>
    /// Reads the request and lets <paramref name="answer"/> answer it, mapping what a hostile or vanished client can
    /// cause: a malformed or too-slow body (Kestrel's <see cref="BadHttpRequestException"/>) is the 400 or 408 it
    /// carries; a client gone mid-body, or mid-answer, is null: nothing to send, and nothing worth an error log.
    /// </summary>
    public static async Task<ApiResponse?> AnswerAsync(
        Stream body,
        long? contentLength,
        string? contentType,
        IEnumerable<KeyValuePair<string, StringValues>> headers,
        IEnumerable<KeyValuePair<string, StringValues>> query,
        Func<WebhookRequest, Task<ApiResponse>> answer,
        CancellationToken requestAborted)
    {
        ArgumentNullException.ThrowIfNull(answer);
        WebhookRequest? request;
        IngestProblem? problem;
        try
        {
            (request, problem) = await ReadAsync(body, contentLength, contentType, headers, query, requestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own words (bad chunk size data, body read timed out) carry no request content.
            return ApiResponse.Problem(e.StatusCode, "body", e.Message);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            return null;
        }

        if (problem is not null)
        {
            return ApiResponse.Problem(problem);
        }

        try
        {
            return await answer(request!).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (requestAborted.IsCancellationRequested)
        {
            return null;
        }
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
