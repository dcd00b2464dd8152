using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ReleaseGuardian.Testing;

/// <summary>A request the loopback server received, kept whole so a test can check it exactly.</summary>
public sealed record RecordedRequest(
    string Method,
    string Path,
    string Query,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body)
{
    /// <summary>The body as UTF-8 text.</summary>
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    /// <summary>A header's value, or null (names compare case-insensitively).</summary>
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel, a free port) that records every request and answers with a
/// handler the test supplies. It stands in for a flag service, Prometheus, a notification target, etc.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private LoopbackServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's address, e.g. http://127.0.0.1:54321/.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Every request received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    /// <summary>Starts a server whose answers come from <paramref name="handler"/>.</summary>
    public static async Task<LoopbackServer> StartAsync(Func<RecordedRequest, HttpContext, Task> handler)
    {
        var port = AzuriteFixture.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var server = new LoopbackServer(app, new Uri($"http://127.0.0.1:{port}/"));
        app.Run(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var recorded = new RecordedRequest(
                context.Request.Method,
                context.Request.Path.Value ?? "",
                context.Request.QueryString.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                buffer.ToArray());
            server._requests.Enqueue(recorded);
            await handler(recorded, context);
        });
        await app.StartAsync();
        return server;
    }

    /// <summary>Starts a server that answers every request with the given status and JSON body.</summary>
    public static Task<LoopbackServer> StartAsync(int status = 200, string body = "{}") =>
        StartAsync(async (_, context) =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body);
        });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
