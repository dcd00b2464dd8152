using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Signals;
using ReleaseGuardian.Infrastructure.Ingestion.LoadTests;
using ReleaseGuardian.Infrastructure.Outbound;

namespace ReleaseGuardian.Infrastructure.LoadTesting;

/// <summary>
/// <c>{"launcher":"azureloadtesting","endpoint":"https://{id}.{region}.cnt-prod.loadtesting.azure.com","testId":...}</c>:
/// creates a test run of <c>loadTest.testId</c> over the Azure Load Testing data-plane REST API (api-version
/// 2022-11-01) with the operator's managed identity, answers a poll handle, tells the run's status, and reads the
/// finished run's client-side metrics (<c>LoadTestRunMetrics</c>) as the signals the tool's result webhook yields.
/// <para>
/// The bearer token goes only to Azure Load Testing's own data-plane hosts: every request's URL is checked against
/// <see cref="AzureLoadTestingEndpoints"/> before a token is asked for; the outbound policy follows no redirect (a 3xx
/// ends the run as failed) and bounds every answer.
/// </para>
/// </summary>
public sealed partial class AzureLoadTestingLauncher(
    HttpClient http, AzureLoadTestingCredential credential, IOptionsMonitor<AzureLoadTestingOptions> options,
    ILogger<AzureLoadTestingLauncher> logger) : IPolledLoadTestLauncher
{
    /// <summary>The data-plane API version.</summary>
    public const string ApiVersion = "2022-11-01";

    /// <summary>The token scope of the data plane.</summary>
    public const string Scope = "https://cnt-prod.loadtesting.azure.com/.default";

    /// <summary>The metric namespace of the client-side metrics.</summary>
    public const string MetricNamespace = "LoadTestRunMetrics";

    // Azure Load Testing ends a run in one of these; DONE is the only one with complete results.
    private static readonly string[] FailedStatuses = ["FAILED", "CANCELLED", "VALIDATION_FAILURE"];

    /// <inheritdoc />
    public string Kind => LoadTestLaunchers.AzureLoadTesting;

    /// <summary>
    /// The test run id for a test id: Azure Load Testing accepts lower-case letters, digits, '-' and '_', 2 to 50
    /// characters; a test id that does not fit is hashed. Stable, so a launch that runs twice names the same run.
    /// </summary>
    public static string RunIdFor(string testId)
    {
        ArgumentNullException.ThrowIfNull(testId);
        var lower = testId.ToLowerInvariant();
        return RunIdRegex().IsMatch(lower)
            ? lower
            : "rg-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(testId)))[..40];
    }

    /// <inheritdoc />
    public async Task<LoadTestLaunchResult> LaunchAsync(LoadTestLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        if (AzureLoadTestingEndpoints.Parse(launch.Spec.Endpoint) is not { } endpoint)
        {
            return new LoadTestLaunchResult(false, "loadTest.endpoint is not an Azure Load Testing data-plane endpoint (https://{id}.{region}.cnt-prod.loadtesting.azure.com); nothing was sent");
        }

        if (string.IsNullOrWhiteSpace(launch.Spec.TestId))
        {
            return new LoadTestLaunchResult(false, "loadTest.testId is missing: there is no Azure Load Testing test to run");
        }

        var runId = RunIdFor(launch.TestId);
        var body = new JsonObject
        {
            ["testId"] = launch.Spec.TestId,
            ["displayName"] = $"Release Guardian {launch.Purpose} {launch.TestId}",
            ["description"] = $"Started by Release Guardian for guardian {launch.GuardianId} ({launch.Purpose}, test id {launch.TestId}).",
        };
        var handle = new LoadTestPollHandle(Kind, endpoint.ToString(), runId, Math.Max(1, options.CurrentValue.PollIntervalSeconds));
        try
        {
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/merge-patch+json");
            using var response = await SendAsync(HttpMethod.Patch, endpoint, $"test-runs/{runId}?api-version={ApiVersion}", content, cancellationToken);
            var code = (int)response.StatusCode;
            LogLaunch(logger, launch.GuardianId, launch.TestId, runId, endpoint.IdnHost, code);
            if (response.IsSuccessStatusCode)
            {
                return new LoadTestLaunchResult(true, $"Azure Load Testing accepted test run {runId} of test {launch.Spec.TestId} ({code})", handle);
            }

            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Conflict)
            {
                // A launch that ran twice (the engine runs activities at least once) finds its own run already there.
                using var existing = await SendAsync(HttpMethod.Get, endpoint, $"test-runs/{runId}?api-version={ApiVersion}", null, cancellationToken);
                if (existing.IsSuccessStatusCode && await ReadJsonAsync(existing, cancellationToken) is { } run
                    && string.Equals(Text(run, "testId"), launch.Spec.TestId, StringComparison.OrdinalIgnoreCase))
                {
                    return new LoadTestLaunchResult(true, $"test run {runId} of test {launch.Spec.TestId} already exists", handle);
                }
            }

            return new LoadTestLaunchResult(false, $"Azure Load Testing refused test run {runId} ({code}{Refusal(response)})");
        }
        catch (Exception e) when (Unreachable(e, cancellationToken) is { } why)
        {
            return new LoadTestLaunchResult(false, $"Azure Load Testing could not start test run {runId}: {why}");
        }
    }

    /// <inheritdoc />
    public async Task<PolledRunState> PollAsync(LoadTestPollHandle handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (AzureLoadTestingEndpoints.Parse(handle.Endpoint) is not { } endpoint)
        {
            return new PolledRunState(PolledRunStates.Failed, "refused", "the run's endpoint is not an Azure Load Testing data-plane endpoint; nothing was sent");
        }

        try
        {
            using var response = await SendAsync(HttpMethod.Get, endpoint, $"test-runs/{handle.RunId}?api-version={ApiVersion}", null, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return Unanswered(handle, response);
            }

            var run = await ReadJsonAsync(response, cancellationToken);
            var status = run is null ? null : Text(run, "status")?.ToUpperInvariant();
            if (string.IsNullOrEmpty(status))
            {
                return new PolledRunState(PolledRunStates.Running, "unreadable", $"test run {handle.RunId}: the answer carried no status");
            }

            LogStatus(logger, handle.RunId, status);
            if (status == "DONE")
            {
                return new PolledRunState(PolledRunStates.Done, status, $"test run {handle.RunId} is done");
            }

            if (FailedStatuses.Contains(status))
            {
                var errors = run is not null && run.RootElement.TryGetProperty("errorDetails", out var details) && details.ValueKind == JsonValueKind.Array
                    ? string.Join("; ", details.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.Object ? Text(d, "message") : null).OfType<string>().Take(3))
                    : "";
                return new PolledRunState(PolledRunStates.Failed, status,
                    $"Azure Load Testing test run {handle.RunId} ended {status}" + (errors.Length > 0 ? $": {Truncate(errors, 300)}" : ""));
            }

            return new PolledRunState(PolledRunStates.Running, status, $"test run {handle.RunId} is {status}");
        }
        catch (Exception e) when (e is CredentialUnavailableException)
        {
            return new PolledRunState(PolledRunStates.Failed, "no-identity", "no managed identity is available to ask Azure Load Testing (LoadTest:AzureLoadTesting:ClientId)");
        }
        catch (Exception e) when (OutboundRefusedException.Find(e) is { } refusal)
        {
            return new PolledRunState(PolledRunStates.Failed, "refused", refusal.Message);
        }
        catch (Exception e) when (Unreachable(e, cancellationToken) is { } why)
        {
            // Transient: the next poll asks again, until the run's deadline.
            return new PolledRunState(PolledRunStates.Running, "unreachable", $"test run {handle.RunId}: {why}");
        }
    }

    /// <inheritdoc />
    public async Task<(PolledRunResult? Result, string Detail)> ReadResultAsync(LoadTestPollHandle handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (AzureLoadTestingEndpoints.Parse(handle.Endpoint) is not { } endpoint)
        {
            return (null, "the run's endpoint is not an Azure Load Testing data-plane endpoint; nothing was sent");
        }

        try
        {
            using var runResponse = await SendAsync(HttpMethod.Get, endpoint, $"test-runs/{handle.RunId}?api-version={ApiVersion}", null, cancellationToken);
            if (!runResponse.IsSuccessStatusCode)
            {
                return (null, Unanswered(handle, runResponse).Detail);
            }

            using var run = await ReadJsonAsync(runResponse, cancellationToken);
            if (run is null || !string.Equals(Text(run, "status"), "DONE", StringComparison.OrdinalIgnoreCase))
            {
                return (null, $"test run {handle.RunId} is not done");
            }

            if (Time(run, "startDateTime") is not { } start)
            {
                return (null, $"test run {handle.RunId} has no startDateTime");
            }

            var end = Time(run, "endDateTime")
                ?? (run.RootElement.TryGetProperty("duration", out var ms) && ms.TryGetDouble(out var millis) && millis > 0 ? start.AddMilliseconds(millis) : null);
            if (end is not { } stop || stop <= start)
            {
                return (null, $"test run {handle.RunId} has no usable endDateTime");
            }

            var raw = new JsonObject { ["testRun"] = JsonNode.Parse(run.RootElement.GetRawText()) };
            var metrics = new JsonObject();
            raw["metrics"] = metrics;
            var signals = new Dictionary<string, double>(StringComparer.Ordinal);
            var requests = await ReadMetricAsync(endpoint, handle.RunId, "TotalRequests", "Total", start, stop, metrics, cancellationToken);
            if (requests.Sum is not { } total || total <= 0)
            {
                return (null, $"test run {handle.RunId} recorded no requests (TotalRequests)");
            }

            var errors = (await ReadMetricAsync(endpoint, handle.RunId, "Errors", "Total", start, stop, metrics, cancellationToken)).Sum ?? 0;
            var p95 = (await ReadMetricAsync(endpoint, handle.RunId, "ResponseTime", "Percentile95", start, stop, metrics, cancellationToken)).Max;
            var p99 = (await ReadMetricAsync(endpoint, handle.RunId, "ResponseTime", "Percentile99", start, stop, metrics, cancellationToken)).Max;

            // The same names the result webhook yields (JMeter's statistics row): requests, errors and their rate, rps over the run's window.
            signals[SignalNames.TrafficRequests] = total;
            signals[SignalNames.ErrorsCount] = errors;
            signals[SignalNames.ErrorsRate] = Math.Clamp(errors / total, 0, 1);
            signals[SignalNames.TrafficRps] = total / (stop - start).TotalSeconds;
            if (p95 is { } latency95)
            {
                signals[SignalNames.LatencyP95] = latency95;
            }

            if (p99 is { } latency99)
            {
                signals[SignalNames.LatencyP99] = latency99;
            }

            return (new PolledRunResult(AzureLoadTestingRunParser.ToolName, start, stop, signals, raw.ToJsonString()),
                $"test run {handle.RunId}: {total:0} requests, {signals[SignalNames.ErrorsRate]:P1} errors");
        }
        catch (Exception e) when (OutboundRefusedException.Find(e) is { } refusal)
        {
            return (null, refusal.Message);
        }
        catch (Exception e) when (e is CredentialUnavailableException)
        {
            return (null, "no managed identity is available to ask Azure Load Testing (LoadTest:AzureLoadTesting:ClientId)");
        }
        catch (JsonException)
        {
            return (null, $"test run {handle.RunId}: Azure Load Testing answered something that is not the expected JSON");
        }
        catch (Exception e) when (Unreachable(e, cancellationToken) is { } why)
        {
            // The run is reported failed and launched again: a training never waits on a result it cannot read.
            return (null, $"test run {handle.RunId}: its metrics could not be read: {why}");
        }
    }

    // POST test-runs/{id}/metrics for one metric and aggregation over the run's window. Hour buckets: a run shorter
    // than an hour falls into one or two; totals are summed, percentiles take the highest bucket (a conservative bound).
    private async Task<(double? Sum, double? Max)> ReadMetricAsync(
        Uri endpoint, string runId, string metric, string aggregation, DateTimeOffset start, DateTimeOffset end, JsonObject raw, CancellationToken cancellationToken)
    {
        var timespan = Uri.EscapeDataString($"{Floor(start):yyyy-MM-dd'T'HH:mm:ss'Z'}/{Ceiling(end):yyyy-MM-dd'T'HH:mm:ss'Z'}");
        var path = $"test-runs/{runId}/metrics?api-version={ApiVersion}&metricname={metric}&metricNamespace={MetricNamespace}" +
                   $"&timespan={timespan}&aggregation={aggregation}&interval=PT1H";
        using var response = await SendAsync(HttpMethod.Post, endpoint, path, null, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{metric} ({aggregation}) answered {(int)response.StatusCode}", null, response.StatusCode);
        }

        using var document = await ReadJsonAsync(response, cancellationToken) ?? throw new JsonException("empty metrics answer");
        raw[$"{metric}.{aggregation}"] = JsonNode.Parse(document.RootElement.GetRawText());
        double? sum = null, max = null;
        // The SDK's Metrics model reads "value"; the REST spec's example (ListTestRunMetrics.json) shows "timeseries".
        foreach (var series in Series(document.RootElement, "value").Concat(Series(document.RootElement, "timeseries")))
        {
            if (series.ValueKind != JsonValueKind.Object || !series.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var point in data.EnumerateArray())
            {
                if (point.ValueKind == JsonValueKind.Object && point.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.Number
                    && v.TryGetDouble(out var value) && double.IsFinite(value) && value >= 0)
                {
                    sum = (sum ?? 0) + value;
                    max = Math.Max(max ?? value, value);
                }
            }
        }

        return (sum, max);
    }

    private static IEnumerable<JsonElement> Series(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().ToList()
            : [];

    // Every request goes through here: the URL is checked before a token is asked for, so the token never leaves for
    // another host, whatever the handle or the definition says.
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri endpoint, string relative, HttpContent? content, CancellationToken cancellationToken)
    {
        var uri = new Uri(endpoint, relative);
        if (!AzureLoadTestingEndpoints.IsDataPlane(uri) || !string.Equals(uri.IdnHost, endpoint.IdnHost, StringComparison.OrdinalIgnoreCase))
        {
            throw new OutboundRefusedException(OutboundRefusalKind.Destination,
                "the request would leave Azure Load Testing's data-plane hosts (*.cnt-prod.loadtesting.azure.com); nothing was sent");
        }

        var token = await credential.Credential.GetTokenAsync(new TokenRequestContext([Scope]), cancellationToken);
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if ((int)response.StatusCode is >= 300 and < 400)
        {
            var code = (int)response.StatusCode;
            response.Dispose();
            LogRedirect(logger, endpoint.IdnHost, code);
            throw new OutboundRefusedException(OutboundRefusalKind.Destination,
                $"Azure Load Testing answered a redirect ({code}); redirects are never followed, so the token goes nowhere else");
        }

        return response;
    }

    private static async Task<JsonDocument?> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var document = await JsonDocument.ParseAsync(stream, default, cancellationToken);
        if (document.RootElement.ValueKind == JsonValueKind.Object)
        {
            return document;
        }

        document.Dispose();
        return null;
    }

    private static PolledRunState Unanswered(LoadTestPollHandle handle, HttpResponseMessage response)
    {
        var code = (int)response.StatusCode;
        return response.StatusCode switch
        {
            HttpStatusCode.NotFound => new PolledRunState(PolledRunStates.Failed, "not-found", $"test run {handle.RunId} does not exist (404)"),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new PolledRunState(PolledRunStates.Failed, "forbidden",
                $"Azure Load Testing refused the identity ({code}); it needs the Load Test Contributor role on the resource"),
            _ when code is 408 or 429 or >= 500 => new PolledRunState(PolledRunStates.Running, "unavailable", $"test run {handle.RunId}: Azure Load Testing answered {code}"),
            _ => new PolledRunState(PolledRunStates.Failed, "refused", $"test run {handle.RunId}: Azure Load Testing answered {code}"),
        };
    }

    private static string Refusal(HttpResponseMessage response) =>
        response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? "; the identity needs the Load Test Contributor role" : "";

    private static string? Unreachable(Exception e, CancellationToken cancellationToken) => e switch
    {
        _ when OutboundRefusedException.Find(e) is { } refusal => refusal.Message,
        CredentialUnavailableException => "no managed identity is available (LoadTest:AzureLoadTesting:ClientId)",
        AuthenticationFailedException => "the managed identity could not get a token",
        HttpRequestException { StatusCode: { } status } => $"Azure Load Testing answered {(int)status}",
        HttpRequestException => "the endpoint could not be reached",
        TaskCanceledException when !cancellationToken.IsCancellationRequested => "the endpoint did not answer in time",
        JsonException => "the answer was not the expected JSON",
        _ => null,
    };

    private static string? Text(JsonDocument document, string name) => Text(document.RootElement, name);

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Time(JsonDocument document, string name) =>
        Text(document, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time.ToUniversalTime() : null;

    private static DateTimeOffset Floor(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static DateTimeOffset Ceiling(DateTimeOffset t) => t.UtcTicks % TimeSpan.TicksPerSecond == 0 ? t.ToUniversalTime() : Floor(t).AddSeconds(1);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    [GeneratedRegex(@"^[a-z0-9_-]{2,50}\z", RegexOptions.CultureInvariant)]
    private static partial Regex RunIdRegex();

    [LoggerMessage(EventId = 4411, Level = LogLevel.Information, Message = "Azure Load Testing run {RunId} for load test {TestId} of {Guardian} requested at {Host}: HTTP {StatusCode}")]
    private static partial void LogLaunch(ILogger logger, string guardian, string testId, string runId, string host, int statusCode);

    [LoggerMessage(EventId = 4412, Level = LogLevel.Debug, Message = "Azure Load Testing run {RunId} is {Status}")]
    private static partial void LogStatus(ILogger logger, string runId, string status);

    [LoggerMessage(EventId = 4413, Level = LogLevel.Warning, Message = "Azure Load Testing at {Host} answered a redirect (HTTP {StatusCode}); not followed")]
    private static partial void LogRedirect(ILogger logger, string host, int statusCode);
}
