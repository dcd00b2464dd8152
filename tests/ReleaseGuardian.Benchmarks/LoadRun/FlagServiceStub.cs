using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ReleaseGuardian.Benchmarks.LoadRun;

/// <summary>
/// Stands in for LaunchDarkly's REST API and the notification target on loopback: answers every request 200 and
/// tells the load run when a PATCH (a rollback) or a notification arrives, with the arrival time.
/// </summary>
public sealed class FlagServiceStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private TaskCompletionSource<long> _rollback = NewSignal();
    private TaskCompletionSource<long> _notification = NewSignal();

    private FlagServiceStub(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string NotificationUrl => BaseAddress + "hook";

    public static async Task<FlagServiceStub> StartAsync()
    {
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var stub = new FlagServiceStub(app, new Uri($"http://127.0.0.1:{port}/"));
        app.Run(async context =>
        {
            var at = Stopwatch.GetTimestamp();
            await context.Request.Body.CopyToAsync(Stream.Null);
            if (HttpMethods.IsPatch(context.Request.Method))
            {
                stub._rollback.TrySetResult(at);
            }
            else if (context.Request.Path.StartsWithSegments("/hook"))
            {
                stub._notification.TrySetResult(at);
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"key":"new-checkout"}""");
        });
        await app.StartAsync();
        return stub;
    }

    /// <summary>Forgets earlier arrivals; the next PATCH and notification complete the returned tasks.</summary>
    public (Task<long> Rollback, Task<long> Notification) Expect()
    {
        _rollback = NewSignal();
        _notification = NewSignal();
        return (_rollback.Task, _notification.Task);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static TaskCompletionSource<long> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
