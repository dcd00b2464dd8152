using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Metrics;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Metrics.Prometheus;

/// <summary>
/// The <c>prometheus</c> source: one instant query per signal (<c>GET {url}/api/v1/query?query=..&amp;time=&lt;end&gt;</c>),
/// all signals at once, each under the guardian's query timeout.
/// </summary>
public sealed partial class PrometheusMetricsSource(IHttpClientFactory httpClientFactory, ILogger<PrometheusMetricsSource> logger)
    : IMetricsSource
{
    /// <summary>The named HttpClient this source uses.</summary>
    public const string HttpClientName = "ReleaseGuardian.Metrics.Prometheus";

    /// <inheritdoc />
    public string Kind => MetricsSources.Prometheus;

    /// <inheritdoc />
    public async Task<SignalMeasurement> MeasureAsync(MetricsRequest request, CancellationToken ct)
    {
        var spec = request.Guardian.Metrics;
        if (!Uri.TryCreate(spec.Url, UriKind.Absolute, out var baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            return SignalMeasurement.AllFailed(request.Signals, "metrics.url must be the Prometheus base URL (http or https)");
        }

        var timeout = QueryDeadline.Of(spec);
        var time = PrometheusQueries.UnixSeconds(request.End);
        var client = httpClientFactory.CreateClient(HttpClientName);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        var queries = new Dictionary<string, string>(StringComparer.Ordinal);
        var pending = new List<(string Signal, Task<QueryResult> Result)>();

        foreach (var signal in request.Signals.DistinctBy(s => s.Signal))
        {
            var query = PrometheusQueries.For(signal, request);
            if (query is null)
            {
                failures[signal.Signal] = $"custom signal '{signal.Signal}' needs a PromQL query (the objective's query or metrics.queries[\"{signal.Signal}\"])";
                continue;
            }

            queries[signal.Signal] = query;
            var uri = new Uri($"{baseUrl.AbsoluteUri.TrimEnd('/')}/api/v1/query?query={Uri.EscapeDataString(query)}&time={time}");
            pending.Add((signal.Signal, QueryDeadline.RunAsync(timeout, token => QueryAsync(client, uri, request.Guardian.Id, signal.Signal, token), ct, logger)));
        }

        await Task.WhenAll(pending.Select(p => p.Result));
        foreach (var (signal, task) in pending)
        {
            var result = await task;
            if (result.Value is { } value)
            {
                values[signal] = value;
            }
            else
            {
                failures[signal] = result.Failure ?? "no value";
                LogQueryFailed(logger, request.Guardian.Id, signal, failures[signal]);
            }
        }

        return new SignalMeasurement(values, failures, queries);
    }

    // Headers first, then the body parsed as it streams in through the outbound answer cap: a huge answer is
    // abandoned at the cap, never held whole.
    private async Task<QueryResult> QueryAsync(HttpClient client, Uri uri, string guardianId, string signal, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, uri);
        message.Headers.Accept.ParseAdd("application/json");
        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            // The status stays in the log: a verdict's text must not help map what answers where.
            var error = await PrometheusResponse.ErrorOfAsync(body, ct);
            LogQueryStatus(logger, guardianId, signal, (int)response.StatusCode);
            return QueryResult.Fail(error is null ? "Prometheus did not answer the query successfully" : $"Prometheus refused the query: {error}");
        }

        return await PrometheusResponse.ParseAsync(body, ct);
    }

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Prometheus answered guardian {GuardianId} signal {Signal} with HTTP {Status}")]
    private static partial void LogQueryStatus(ILogger logger, string guardianId, string signal, int status);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Prometheus query for guardian {GuardianId} signal {Signal} failed: {Reason}")]
    private static partial void LogQueryFailed(ILogger logger, string guardianId, string signal, string reason);
}
