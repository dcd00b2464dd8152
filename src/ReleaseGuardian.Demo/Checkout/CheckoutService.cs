using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ReleaseGuardian.Application.Telemetry;
using ReleaseGuardian.Demo.LoadGeneration;

namespace ReleaseGuardian.Demo.Checkout;

/// <summary>How the new checkout misbehaves while its flag is on.</summary>
public sealed class CheckoutServiceOptions
{
    /// <summary>The flag that switches the new checkout on.</summary>
    public string FlagKey { get; set; } = "new-checkout";

    /// <summary>
    /// Share of checkouts that fail with 500 for a user the flag puts on the new checkout (default 0.15). Read on every
    /// request, so setting it while the service runs deploys another build of the new checkout (the progressive demo's fix).
    /// </summary>
    public double FailureShareWhenOn { get; set; } = 0.15;

    /// <summary>Work every checkout takes (default 5-15 ms).</summary>
    public (int MinMs, int MaxMs) BaseLatency { get; set; } = (5, 15);

    /// <summary>Extra latency of the new checkout (default 80-180 ms).</summary>
    public (int MinMs, int MaxMs) ExtraLatencyWhenOn { get; set; } = (80, 180);

    /// <summary>
    /// Serve the request metrics in Prometheus' text format at <c>GET /metrics</c> (OpenTelemetry's Prometheus exporter
    /// over ASP.NET Core's own <c>http.server.request.duration</c>), for a Prometheus to scrape (default off).
    /// </summary>
    public bool ExportPrometheus { get; set; }
}

/// <summary>
/// The sample "checkout" service the demo guards: an ASP.NET Core minimal API on a free 127.0.0.1 port whose
/// feature flag lives in a flagd flag file it watches. With the flag on, the new checkout is slower and fails
/// a share of requests. Routes: <c>POST /checkout</c>, <c>GET /flags/{key}</c> (the current evaluation),
/// <c>POST /hooks/notifications</c> (an on-call channel that keeps what Release Guardian sends) and <c>GET /healthz</c>.
/// The flag is evaluated per user, the way flagd evaluates it: the <c>X-User-Id</c> header is the targeting key, so under a
/// release's fractional rollout only the users in the rollout's share get the new checkout (<see cref="FlagdBooleanFlag"/>);
/// the service remembers which users it served, and which of them got the new checkout (<see cref="Users"/>).
/// Every checkout answers with <c>Server-Timing: checkout;dur=</c> its own handling time, so the demo's load test
/// can report the service's latency rather than how long a busy machine kept the answer queued.
/// </summary>
public sealed class CheckoutService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FlagdFileWatcher _flag;
    private readonly ConcurrentQueue<string> _notifications = new();

    private CheckoutService(WebApplication app, FlagdFileWatcher flag, Uri baseAddress, CheckoutServiceOptions options, CheckoutUsers users)
    {
        _app = app;
        _flag = flag;
        BaseAddress = baseAddress;
        Options = options;
        Users = users;
    }

    /// <summary>The header that carries the user: the flag's targeting key.</summary>
    public const string UserHeader = ConstantRateLoad.UserHeader;

    /// <summary>The service's live options (see <see cref="CheckoutServiceOptions.FailureShareWhenOn"/>).</summary>
    public CheckoutServiceOptions Options { get; }

    /// <summary>The users the service served, and those who got the new checkout.</summary>
    public CheckoutUsers Users { get; }

    /// <summary>The flag as the service reads it now.</summary>
    public FlagdBooleanFlag FlagDefinition => _flag.Definition;

    /// <summary>Each different form of the flag the service has served, in order (e.g. <c>'off'</c>, <c>fractional 10% 'on' / 90% 'off'</c>).</summary>
    public IReadOnlyList<string> FlagVersions => _flag.Versions;

    /// <summary>The flag's evaluation now for one user.</summary>
    public FlagEvaluation FlagFor(string? user) => _flag.Definition.Evaluate(user);

    /// <summary>The service's address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The route the load generator drives.</summary>
    public Uri CheckoutUri => new(BaseAddress, "checkout");

    /// <summary>Where a Prometheus scrapes the request metrics, when <see cref="CheckoutServiceOptions.ExportPrometheus"/> is set.</summary>
    public Uri MetricsUri => new(BaseAddress, "metrics");

    /// <summary>Where Release Guardian's notifications can be delivered.</summary>
    public Uri NotificationHook => new(BaseAddress, "hooks/notifications");

    /// <summary>The flag's evaluation now, as the service serves it.</summary>
    public FlagEvaluation Flag => _flag.Current;

    /// <summary>Notification bodies received on <see cref="NotificationHook"/>, in arrival order.</summary>
    public IReadOnlyList<string> Notifications => _notifications.ToArray();

    /// <summary>Starts the service on a free loopback port, reading its flag from <paramref name="flagFile"/>.</summary>
    public static async Task<CheckoutService> StartAsync(string flagFile, CheckoutServiceOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new CheckoutServiceOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("checkout"))
            .WithTracing(tracing => tracing.AddSource(CheckoutTelemetry.Name))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(CheckoutTelemetry.Name);
                if (options.ExportPrometheus)
                {
                    // ASP.NET Core's own meter records http.server.request.duration (seconds) for every request.
                    metrics.AddMeter("Microsoft.AspNetCore.Hosting").AddPrometheusExporter();
                }
            });
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
        {
            otel.UseOtlpExporter();
        }

        var app = builder.Build();
        var flag = new FlagdFileWatcher(flagFile, options.FlagKey);
        var users = new CheckoutUsers();
        CheckoutService? service = null;
        app.MapPost("/checkout", (HttpContext http, CancellationToken aborted) =>
        {
            var user = http.Request.Headers[UserHeader].ToString();
            user = string.IsNullOrWhiteSpace(user) || user.Length > 200 ? null : user;
            var evaluation = flag.Definition.Evaluate(user);
            users.Record(user, evaluation.Value);
            return CheckoutAsync(evaluation, options, http, aborted);
        });
        app.MapGet("/flags/{key}", (string key, string? user) =>
            key == options.FlagKey ? Results.Content(Describe(flag.Definition.Evaluate(user)), "application/json") : Results.NotFound());
        app.MapPost("/hooks/notifications", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            service!._notifications.Enqueue(await reader.ReadToEndAsync());
            return Results.NoContent();
        });
        app.MapGet("/healthz", () => Results.Content("""{"status":"ok"}""", "application/json"));
        if (options.ExportPrometheus)
        {
            app.MapPrometheusScrapingEndpoint();
        }

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            flag.Dispose();
            await app.DisposeAsync();
            throw;
        }

        service = new CheckoutService(app, flag, new Uri(app.Urls.First().TrimEnd('/') + "/"), options, users);
        return service;
    }

    private static async Task<IResult> CheckoutAsync(FlagEvaluation flag, CheckoutServiceOptions options, HttpContext http, CancellationToken aborted)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = CheckoutTelemetry.Source.StartActivity("checkout");
        activity?.SetTag("server.port", http.Connection.LocalPort);
        var tags = new TagList
        {
            { GuardianTelemetry.FeatureFlag.Key, flag.FlagKey },
            { GuardianTelemetry.FeatureFlag.ResultVariant, flag.VariantOrDefault },
            { GuardianTelemetry.FeatureFlag.ProviderName, CheckoutTelemetry.ProviderName },
        };
        foreach (var span in new[] { activity, Activity.Current }.Distinct())
        {
            span?.SetTag(GuardianTelemetry.FeatureFlag.Key, flag.FlagKey)
                .SetTag(GuardianTelemetry.FeatureFlag.ResultVariant, flag.VariantOrDefault)
                .SetTag(GuardianTelemetry.FeatureFlag.ProviderName, CheckoutTelemetry.ProviderName)
                .SetTag(GuardianTelemetry.FeatureFlag.ResultValue, flag.Value)
                .SetTag(GuardianTelemetry.FeatureFlag.ResultReason, flag.Reason);
        }

        var delay = Random.Shared.Next(options.BaseLatency.MinMs, options.BaseLatency.MaxMs + 1);
        if (flag.Value)
        {
            delay += Random.Shared.Next(options.ExtraLatencyWhenOn.MinMs, options.ExtraLatencyWhenOn.MaxMs + 1);
        }

        await Task.Delay(delay, aborted);
        var fails = flag.Value && Random.Shared.NextDouble() < options.FailureShareWhenOn;
        var status = fails ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK;
        activity?.SetTag("http.response.status_code", status);
        if (fails)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "the new checkout lost the basket");
        }

        tags.Add("http.response.status_code", status);
        var handledMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        CheckoutTelemetry.Requests.Add(1, tags);
        CheckoutTelemetry.Duration.Record(handledMs, tags);
        http.Response.Headers[ServerTiming.HeaderName] = ServerTiming.Format(handledMs);
        return fails
            ? Results.Problem(title: "checkout failed", detail: "the new checkout lost the basket", statusCode: status)
            : Results.Content($$"""{"order":"{{Guid.NewGuid().ToString("N")[..12]}}","checkout":"{{(flag.Value ? "new" : "classic")}}"}""", "application/json");
    }

    private static string Describe(FlagEvaluation flag)
    {
        using var buffer = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("key", flag.FlagKey);
            json.WriteBoolean("value", flag.Value);
            json.WriteString("variant", flag.Variant);
            json.WriteString("reason", flag.Reason);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _flag.Dispose();
    }
}

/// <summary>Who the checkout service served: every user it saw, and the users it gave the new checkout.</summary>
public sealed class CheckoutUsers
{
    private readonly ConcurrentDictionary<string, byte> _served = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _onNewCode = new(StringComparer.Ordinal);

    /// <summary>Users served since the last <see cref="Forget"/>.</summary>
    public int Served => _served.Count;

    /// <summary>Users who got the new checkout at least once since the last <see cref="Forget"/>.</summary>
    public int OnNewCode => _onNewCode.Count;

    /// <summary>Starts counting afresh.</summary>
    public void Forget()
    {
        _served.Clear();
        _onNewCode.Clear();
    }

    internal void Record(string? user, bool newCode)
    {
        if (user is null)
        {
            return;
        }

        _served.TryAdd(user, 0);
        if (newCode)
        {
            _onNewCode.TryAdd(user, 0);
        }
    }
}
