using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Microsoft.AspNetCore.Http;

namespace ReleaseGuardian.Testing;

/// <summary>How one Azure Load Testing run behaves: the statuses its GETs answer in turn (the last repeats), and its client-side metrics.</summary>
/// <param name="Statuses">E.g. EXECUTING, EXECUTING, DONE.</param>
/// <param name="Start">The run's startDateTime.</param>
/// <param name="TotalRequests">TotalRequests (Total).</param>
/// <param name="Errors">Errors (Total).</param>
/// <param name="P95">ResponseTime (Percentile95), ms.</param>
/// <param name="P99">ResponseTime (Percentile99), ms.</param>
public sealed record AltRunScript(IReadOnlyList<string> Statuses, DateTimeOffset Start, double TotalRequests, double Errors, double P95, double P99);

/// <summary>
/// A stand-in for one Azure Load Testing resource's data plane on a loopback Kestrel server, reached through
/// <see cref="Router"/>: a handler that sits after the launcher's own host check and sends the real
/// <c>https://{id}.{region}.cnt-prod.loadtesting.azure.com</c> requests to loopback, so the check stays real. It
/// checks every request (method, path, api-version, bearer token, body) and answers with the shapes of the real
/// service:
/// <list type="bullet">
/// <item>test run bodies follow the recorded GET /test-runs answers of Azure/azure-sdk-for-net
/// sdk/loadtestservice/Azure.Developer.LoadTesting/tests/SessionRecords/LoadTestRunClientTest/GetMetrics.json
/// (status CONFIGURING → EXECUTING → FAILED in that recording, testResult, executedDateTime, portalUrl...), and the
/// PATCH answer follows Azure/azure-rest-api-specs .../stable/2022-11-01/examples/CreateAndUpdateTestRun.json (status ACCEPTED);</item>
/// <item>metrics answers follow .../2022-11-01/examples/ListTestRunMetrics.json (data points of timestamp and value,
/// dimensionValues), under the "value" property the SDK's Metrics model (src/Generated/Metrics.Serialization.cs) reads.</item>
/// </list>
/// </summary>
public sealed class AzureLoadTestingDataPlane : IAsyncDisposable
{
    /// <summary>The endpoint host a test guardian names (the recorded resource's host in the SDK's session records).</summary>
    public const string Host = "f878fc34-142f-4312-8577-a04c47da9c0b.eastasia.cnt-prod.loadtesting.azure.com";

    /// <summary>The bearer token the test credential hands out.</summary>
    public const string Token = "alt-test-token";

    private readonly ConcurrentDictionary<string, RunState> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _problems = new();
    private readonly ConcurrentQueue<Uri> _elsewhere = new();
    private readonly ConcurrentQueue<(string Method, Uri Uri)> _routed = new();
    private readonly Func<string, string, AltRunScript> _script;
    private int _launches;

    private AzureLoadTestingDataPlane(Func<string, string, AltRunScript> script) => _script = script;

    /// <summary>The endpoint a guardian's <c>loadTest.endpoint</c> names.</summary>
    public static string Endpoint => "https://" + Host;

    /// <summary>The loopback server behind the data plane.</summary>
    public LoopbackServer Server { get; private set; } = null!;

    /// <summary>Requests that did not follow the API (wrong method, api-version, token, body...), described.</summary>
    public IReadOnlyList<string> Problems => [.. _problems];

    /// <summary>Requests the router saw for any host other than an Azure Load Testing data-plane host (never sent on).</summary>
    public IReadOnlyList<Uri> Elsewhere => [.. _elsewhere];

    /// <summary>Every request the router sent to the data plane, with its original URL.</summary>
    public IReadOnlyList<(string Method, Uri Uri)> Routed => [.. _routed];

    /// <summary>Runs created so far, by test run id, with their ALT test id.</summary>
    public IReadOnlyDictionary<string, string> Runs => _runs.ToDictionary(r => r.Key, r => r.Value.TestId);

    /// <summary>Status GETs answered for a run.</summary>
    public int Polls(string runId) => _runs.TryGetValue(runId, out var run) ? run.Gets : 0;

    /// <summary>Starts the data plane; <paramref name="script"/> tells, for (test run id, launch number from 1), how the run behaves.</summary>
    public static async Task<AzureLoadTestingDataPlane> StartAsync(Func<string, int, AltRunScript> script)
    {
        var plane = (AzureLoadTestingDataPlane?)null;
        plane = new AzureLoadTestingDataPlane((runId, _) => script(runId, Interlocked.Increment(ref plane!._launches)));
        plane.Server = await LoopbackServer.StartAsync(plane.HandleAsync);
        return plane;
    }

    /// <summary>A handler for the launcher's HttpClient: data-plane requests go to loopback, anything else is recorded and never sent.</summary>
    public DelegatingHandler Router() => new Routing(this);

    /// <summary>A credential that hands out <see cref="Token"/> and records the scopes asked for.</summary>
    public RecordingCredential Credential { get; } = new();

    /// <summary>When set, every metrics request is answered with this status (e.g. 503).</summary>
    public int? MetricsStatus { get; set; }

    /// <summary>When set, every request is answered 307 to this URL (the launcher must not follow it).</summary>
    public Uri? RedirectEverythingTo { get; set; }

    private async Task HandleAsync(RecordedRequest request, HttpContext context)
    {
        if (RedirectEverythingTo is { } elsewhere)
        {
            context.Response.StatusCode = 307;
            context.Response.Headers.Location = elsewhere.ToString();
            return;
        }

        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(request.Query);
        Expect(query.TryGetValue("api-version", out var version) && version == "2022-11-01", request, "api-version is not 2022-11-01");
        Expect(request.Header("Authorization") == "Bearer " + Token, request, "the bearer token is missing or wrong");
        var segments = request.Path.Trim('/').Split('/');
        if (segments.Length < 2 || segments[0] != "test-runs")
        {
            await AnswerAsync(context, 404, """{"error":{"code":"NotFound","message":"no such path"}}""");
            return;
        }

        var runId = segments[1];
        if (segments.Length == 2 && request.Method == "PATCH")
        {
            Expect(request.Header("Content-Type")?.StartsWith("application/merge-patch+json", StringComparison.Ordinal) == true, request, "PATCH is not application/merge-patch+json");
            var body = JsonNode.Parse(request.BodyText)!.AsObject();
            var testId = body["testId"]?.GetValue<string>() ?? "";
            Expect(testId.Length > 0, request, "PATCH has no testId");
            Expect(body["displayName"]?.GetValue<string>() is { Length: >= 2 }, request, "PATCH has no displayName");
            var run = _runs.GetOrAdd(runId, id => new RunState(testId, _script(id, "")));
            await AnswerAsync(context, 201, RunBody(runId, run, "ACCEPTED", includeEnd: false));
            return;
        }

        if (!_runs.TryGetValue(runId, out var known))
        {
            await AnswerAsync(context, 404, """{"error":{"code":"TestRunNotFound","message":"Test run not found with given name."}}""");
            return;
        }

        if (segments.Length == 2 && request.Method == "GET")
        {
            var index = Interlocked.Increment(ref known.GetCount) - 1;
            var status = known.Script.Statuses[Math.Min(index, known.Script.Statuses.Count - 1)];
            await AnswerAsync(context, 200, RunBody(runId, known, status, includeEnd: status is "DONE" or "FAILED" or "CANCELLED"));
            return;
        }

        if (segments.Length == 3 && segments[2] == "metrics" && request.Method == "POST")
        {
            if (MetricsStatus is { } failing)
            {
                await AnswerAsync(context, failing, """{"error":{"code":"ServiceUnavailable","message":"try again"}}""");
                return;
            }

            Expect(query.TryGetValue("metricNamespace", out var ns) && ns == "LoadTestRunMetrics", request, "metricNamespace is not LoadTestRunMetrics");
            Expect(query.TryGetValue("timespan", out var span) && span.ToString().Contains('/', StringComparison.Ordinal), request, "timespan is not start/end");
            var metric = query.TryGetValue("metricname", out var name) ? name.ToString() : "";
            var aggregation = query.TryGetValue("aggregation", out var agg) ? agg.ToString() : "";
            double? value = (metric, aggregation) switch
            {
                ("TotalRequests", "Total") => known.Script.TotalRequests,
                ("Errors", "Total") => known.Script.Errors,
                ("ResponseTime", "Percentile95") => known.Script.P95,
                ("ResponseTime", "Percentile99") => known.Script.P99,
                _ => null,
            };
            Expect(value is not null, request, $"unexpected metric {metric}/{aggregation}");
            await AnswerAsync(context, 200, MetricsBody(known.Script, value ?? 0, metric is "TotalRequests" or "Errors"));
            return;
        }

        _problems.Enqueue($"{request.Method} {request.Path} is not an operation of the launcher");
        await AnswerAsync(context, 405, "{}");
    }

    private void Expect(bool condition, RecordedRequest request, string problem)
    {
        if (!condition)
        {
            _problems.Enqueue($"{request.Method} {request.Path}{request.Query}: {problem}");
        }
    }

    private static async Task AnswerAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(json);
    }

    private static string RunBody(string runId, RunState run, string status, bool includeEnd)
    {
        var start = run.Script.Start;
        var body = new JsonObject
        {
            ["passFailCriteria"] = new JsonObject { ["passFailMetrics"] = new JsonObject() },
            ["loadTestConfiguration"] = new JsonObject { ["engineInstances"] = 1, ["splitAllCSVs"] = false, ["quickStartTest"] = false },
            ["testResult"] = "NOT_APPLICABLE",
            ["testRunId"] = runId,
            ["displayName"] = "Run created by Release Guardian",
            ["testId"] = run.TestId,
            ["status"] = status,
            ["startDateTime"] = start.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["executedDateTime"] = start.AddSeconds(-1).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["portalUrl"] = $"https://portal.azure.com/#blade/Microsoft_Azure_CloudNativeTesting/NewReport//resourceId/%2fsubscriptions%2f00000000-0000-0000-0000-000000000000/testId/{run.TestId}/testRunId/{runId}",
            ["createdDateTime"] = start.AddSeconds(-2).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["lastModifiedDateTime"] = start.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        };
        if (includeEnd)
        {
            body["endDateTime"] = start.AddMinutes(1).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            body["duration"] = 60000;
        }

        if (status == "FAILED")
        {
            body["errorDetails"] = new JsonArray(new JsonObject { ["message"] = "Processing error logs, please refresh to check actionable errors." });
        }

        return body.ToJsonString();
    }

    // One series without a filter; counts are spread over two 30-second points (summed), percentiles are per point (the launcher takes the highest).
    private static string MetricsBody(AltRunScript script, double value, bool total)
    {
        var first = total ? Math.Floor(value / 2) : value * 0.9;
        var second = total ? value - first : value;
        var data = new JsonArray(
            new JsonObject { ["timestamp"] = script.Start.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), ["value"] = first },
            new JsonObject { ["timestamp"] = script.Start.AddSeconds(30).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), ["value"] = second });
        return new JsonObject { ["value"] = new JsonArray(new JsonObject { ["data"] = data, ["dimensionValues"] = new JsonArray() }) }.ToJsonString();
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();

    private sealed class RunState(string testId, AltRunScript script)
    {
        public int GetCount;

        public string TestId { get; } = testId;

        public AltRunScript Script { get; } = script;

        public int Gets => Volatile.Read(ref GetCount);
    }

    private sealed class Routing(AzureLoadTestingDataPlane plane) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            if (uri.Scheme != Uri.UriSchemeHttps || !uri.IdnHost.EndsWith(".cnt-prod.loadtesting.azure.com", StringComparison.OrdinalIgnoreCase))
            {
                plane._elsewhere.Enqueue(uri);
                return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.BadGateway) { RequestMessage = request });
            }

            plane._routed.Enqueue((request.Method.Method, uri));
            request.RequestUri = new UriBuilder(uri) { Scheme = Uri.UriSchemeHttp, Host = "127.0.0.1", Port = plane.Server.BaseAddress.Port }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>A token credential for tests: hands out <see cref="AzureLoadTestingDataPlane.Token"/> and records the scopes asked for.</summary>
public sealed class RecordingCredential : TokenCredential
{
    private readonly ConcurrentQueue<string> _scopes = new();

    /// <summary>Every scope asked for, in order.</summary>
    public IReadOnlyList<string> Scopes => [.. _scopes];

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        foreach (var scope in requestContext.Scopes)
        {
            _scopes.Enqueue(scope);
        }

        return new AccessToken(AzureLoadTestingDataPlane.Token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
