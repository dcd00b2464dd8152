using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Metrics;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Metrics.Prometheus;

/// <summary>
/// The <c>prometheus</c> source: one instant query per signal (<c>GET {url}/api/v1/query?query=..&amp;time=&lt;end&gt;</c>),
/// all signals at once, each under the guardian's query timeout. When a golden signal uses its default query, one
/// probe per <see cref="PrometheusConvention"/> (all at once) first finds how the service's series are named; the
/// queries follow the first convention with data, and each query in the evidence names it.
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

        var signals = request.Signals.DistinctBy(s => s.Signal).ToList();
        PrometheusConvention? convention = null;
        string? unmatched = null;
        if (signals.Any(s => string.IsNullOrWhiteSpace(s.QueryOverride) && PrometheusQueries.Default(s.Signal, "", "1s") is not null))
        {
            (convention, unmatched) = await FindConventionAsync(client, baseUrl, request, time, timeout, ct);
        }

        foreach (var signal in signals)
        {
            var isDefault = string.IsNullOrWhiteSpace(signal.QueryOverride);
            if (isDefault && unmatched is not null && PrometheusQueries.Default(signal.Signal, "", "1s") is not null)
            {
                failures[signal.Signal] = unmatched;
                queries[signal.Signal] = PrometheusQueries.For(signal, request)!;
                LogQueryFailed(logger, request.Guardian.Id, signal.Signal, unmatched);
                continue;
            }

            var query = PrometheusQueries.For(signal, request, convention);
            if (query is null)
            {
                failures[signal.Signal] = $"custom signal '{signal.Signal}' needs a PromQL query (the objective's query or metrics.queries[\"{signal.Signal}\"])";
                continue;
            }

            // A trailing PromQL comment keeps the evidence runnable as it is while it says which convention matched.
            queries[signal.Signal] = isDefault && convention is not null ? $"{query} # convention: {convention.Describe()}" : query;
            pending.Add((signal.Signal, QueryDeadline.RunAsync(timeout, token => QueryAsync(client, QueryUri(baseUrl, query, time), request.Guardian.Id, signal.Signal, token), ct, logger)));
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

    // The first convention, in PrometheusConvention.All's order, under which the service has series in the window, from
    // one query (PrometheusQueries.Probe). When the answer does not say (an error answer, a stand-in that answers
    // anything), none is confirmed: the first convention's queries run and report what is wrong. When Prometheus has
    // no series of the service under any convention, or does not answer at all, that is every default signal's failure.
    private async Task<(PrometheusConvention? Convention, string? Unmatched)> FindConventionAsync(
        HttpClient client, Uri baseUrl, MetricsRequest request, string time, TimeSpan timeout, CancellationToken ct)
    {
        var probe = PrometheusQueries.Probe(request.Guardian.Service, PrometheusQueries.Window(request));
        var answered = false;
        var answer = await QueryDeadline.RunAsync(timeout, async token =>
        {
            var result = await QueryLabelsAsync(client, QueryUri(baseUrl, probe, time), request.Guardian.Id, token);
            answered = true;
            return result;
        }, ct, logger);
        if (answer.Failure == "no data")
        {
            var names = string.Join(", ", PrometheusConvention.All.Select(c => c.Metric).Distinct());
            return (null, $"no data: Prometheus has no HTTP server request series of service '{request.Guardian.Service}' in the window " +
                          $"under any known convention (tried {names}, with the service on service_name, on job, or only on target_info); " +
                          "name yours in metrics.queries");
        }

        if (answer.Failure is { } failure && !answered)
        {
            // Prometheus did not answer at all: asking it every signal's query would only wait out the timeout again.
            return (null, failure);
        }

        // Null (unconfirmed): the queries follow the first convention, and the evidence claims no match.
        return (answer.Value is { } index ? PrometheusConvention.All[(int)index] : null, null);
    }

    private const string NoConventionNamed = "the probe's answer names no convention";

    // The lowest convention index among the probe's series (as the value), "no data", or another failure. The answer is
    // read through the outbound answer cap; its status stays in the log.
    private async Task<QueryResult> QueryLabelsAsync(HttpClient client, Uri uri, string guardianId, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, uri);
        message.Headers.Accept.ParseAdd("application/json");
        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseContentRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            LogQueryStatus(logger, guardianId, "convention probe", (int)response.StatusCode);
            return QueryResult.Fail("Prometheus did not answer the convention probe successfully");
        }

        var answer = PrometheusResponse.LabelValues(await response.Content.ReadAsByteArrayAsync(ct), PrometheusQueries.ConventionLabel);
        if (answer.Failure is { } failure)
        {
            return QueryResult.Fail(failure);
        }

        var indexes = answer.Conventions
            .Select(c => int.TryParse(c, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : -1)
            .Where(i => i >= 0 && i < PrometheusConvention.All.Count)
            .ToList();
        return indexes.Count == 0 ? QueryResult.Fail(NoConventionNamed) : new QueryResult(indexes.Min(), null);
    }

    private static Uri QueryUri(Uri baseUrl, string query, string time) =>
        new($"{baseUrl.AbsoluteUri.TrimEnd('/')}/api/v1/query?query={Uri.EscapeDataString(query)}&time={time}");

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

    [LoggerMessage(EventId = 4303, Level = LogLevel.Warning, Message = "Prometheus answered guardian {GuardianId} signal {Signal} with HTTP {Status}")]
    private static partial void LogQueryStatus(ILogger logger, string guardianId, string signal, int status);

    [LoggerMessage(EventId = 4301, Level = LogLevel.Warning, Message = "Prometheus query for guardian {GuardianId} signal {Signal} failed: {Reason}")]
    private static partial void LogQueryFailed(ILogger logger, string guardianId, string signal, string reason);
}
